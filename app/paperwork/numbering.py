"""Gapless numbers: one counter row per issuer, series and year, locked FOR UPDATE by the
transaction that records the funding or refund. A rollback gives the number back with the
rest of the transaction, so the numbers issued have no gaps and no repeats."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.paperwork.models import DocumentCounter


def next_number(*, issuer: str, series: str, year: int) -> int:
    """The next number of the series; the counter stays locked until the caller commits."""
    counter = _locked(issuer, series, year)
    if counter is None:
        try:
            # The year's first number: two transactions may both create the row; the second
            # waits on the first's insert and, when that commits, falls back to locking it.
            with db.session.begin_nested():
                db.session.add(DocumentCounter(issuer=issuer, series=series, year=year))
        except IntegrityError:
            pass
        counter = _locked(issuer, series, year)
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def _locked(issuer: str, series: str, year: int) -> DocumentCounter | None:
    return db.session.scalar(
        select(DocumentCounter)
        .where(
            DocumentCounter.issuer == issuer,
            DocumentCounter.series == series,
            DocumentCounter.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
