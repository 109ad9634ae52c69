"""Storing each KOL's reliability score for *Find KOLs* to sort by.

The score is computed from a KOL's whole history (app/contracts/reliability.py, five queries
for any number of KOLs), which no search can afford per row; the scheduler stores it in
``kol_reliability`` a batch at a time, the oldest (or never computed) first, so every score is
at most a few refresh periods old.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.context import in_app_context
from app.contracts.reliability import reliability_for
from app.db_types import utcnow
from app.extensions import db
from app.profiles.models import KolProfile, Verification
from app.shortlists.models import KolReliability

BATCH = 500


def refresh_kol_reliability(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Store the scores of up to ``batch`` verified KOLs, the stalest first; flushes."""
    now = now or utcnow()
    stmt = (
        select(KolProfile.user_id)
        .outerjoin(KolReliability, KolReliability.kol_id == KolProfile.user_id)
        .where(KolProfile.verification == Verification.VERIFIED)
        .order_by(KolReliability.computed_at.is_not(None), KolReliability.computed_at)
        .limit(batch)
    )
    ids = list(db.session.scalars(stmt))
    scores = reliability_for(ids, now=now)
    stored = {
        r.kol_id: r
        for r in db.session.scalars(select(KolReliability).where(KolReliability.kol_id.in_(ids)))
    }
    for kol_id in ids:
        score = scores[kol_id].score if kol_id in scores else None
        row = stored.get(kol_id) or KolReliability(kol_id=kol_id)
        row.score, row.computed_at = score, now
        db.session.add(row)
    db.session.flush()
    return len(ids)


@in_app_context
def refresh_job() -> int:
    """The scheduler's step: one batch, committed."""
    count = refresh_kol_reliability()
    db.session.commit()
    return count
