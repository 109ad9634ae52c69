"""What a page of figures was built from has not changed: the figures' stamps (issue 26).

A brand's campaign dashboard, its analytics overview and a campaign's stats in the API are kept
up to ANALYTICS_DASHBOARD_SECONDS and, with Redis, built by one web process for all of them
(app/viewer_cache.py ``_shared``). Rebuilding them every few seconds whether or not anything
changed kept a core busy with one 10M-event dashboard open (its p99 was 3-4 × hello's). So each
copy records the stamps it was built at, and when its refresh is due a copy whose stamps have
not moved is kept for another while instead of being rebuilt (up to STAMP_MAX_AGE; a change
rebuilds it within the seconds the page states, as before).

Stamps are Redis counters, moved after the change commits:

- ``brand:<id>``: a committed row that names the brand (``brand_id``: its campaigns, notes,
  contracts, orders …), and the tracking writer's stored events of the brand's campaigns;
- ``all``: any other committed change (a row with no brand, a bulk statement, a job's
  work), conservatively: every brand's page of figures is then rebuilt when due;
- ``ledger``: a committed row (or statement) of the tables the finance dashboard sums
  (LEDGER_TABLES): the ledger's entries, lines and accounts, and contracts (their status
  decides what is frozen). The finance dashboard depends on it alone: a sign-in, a comment or a
  brand's campaign edit does not rebuild it (the brands' ``all`` moves on the first).

Without Redis nothing is shared and nothing here is read."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

STAMP = "figures:stamp:{}"
STAMP_MAX_AGE = 60.0  # a copy kept on unchanged stamps is rebuilt at least this often
# Rows written by reading, not by a change of anything a page of figures shows.
BOOKKEEPING = frozenset({"api_keys", "rate_limit_counters"})
# What the finance dashboard (app/finance/figures.py ``dashboard``) is summed from.
LEDGER_TABLES = frozenset({"journal_entries", "ledger_lines", "ledger_accounts", "contracts"})
_brands_of_campaigns: dict[int, int] = {}  # a campaign's brand never changes


def keys_for_brand(brand_id: int) -> tuple[str, ...]:
    """The stamps a brand's page of figures depends on."""
    return (STAMP.format("all"), STAMP.format(f"brand:{brand_id}"))


def keys_for_ledger() -> tuple[str, ...]:
    """The stamp the finance dashboard depends on."""
    return (STAMP.format("ledger"),)


def _client():
    from app import pagecache

    return pagecache._redis() if has_app_context() else None


def bump(*, brands: Iterable[int] = (), everything: bool = False, ledger: bool = False) -> None:
    """Move the stamps of ``brands`` (``all`` when ``everything``, ``ledger`` when ``ledger``)
    now: call it after the change committed."""
    names = [STAMP.format(f"brand:{b}") for b in set(brands)]
    if everything:
        names.append(STAMP.format("all"))
    if ledger:
        names.append(STAMP.format("ledger"))
    client = _client()
    if client is None or not names:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.incr(name)
        pipe.execute()
    except Exception as error:  # the copies are then rebuilt by age (STAMP_MAX_AGE)
        log.warning("figures' stamps not moved (%s)", error)


def bump_campaigns(campaign_ids: Iterable[int]) -> None:
    """The tracking writer stored events of these campaigns (committed): their brands' stamps."""
    ids = {int(c) for c in campaign_ids if c}
    if not ids or _client() is None:
        return
    unknown = ids - _brands_of_campaigns.keys()
    if unknown:
        from app.campaigns.models import Campaign
        from app.extensions import db

        began = not db.session().in_transaction()  # the store committed: end what this begins
        rows = db.session.execute(
            select(Campaign.id, Campaign.brand_id).where(Campaign.id.in_(unknown))
        ).all()
        if began:
            db.session.rollback()
        if len(_brands_of_campaigns) > 100_000:
            _brands_of_campaigns.clear()
        _brands_of_campaigns.update(dict(rows))
    bump(brands=[_brands_of_campaigns[c] for c in ids if c in _brands_of_campaigns])


def _mark(
    session: Session, table: str | None, *, brand: int | None = None, everything: bool = False
) -> None:
    marks = session.info.setdefault("figures_stamps", set())
    marks.add("all" if everything or brand is None else brand)
    if table in LEDGER_TABLES:
        marks.add("ledger")


@event.listens_for(Session, "after_flush")
def _note_rows(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in BOOKKEEPING:
            continue
        brand = getattr(obj, "brand_id", None)
        _mark(session, table, brand=brand if isinstance(brand, int) else None)


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state) -> None:
    """A statement run through the session (a bulk update, a Core insert …). The tracking
    writer's own (raw SQL, the analytics tables) are not marked: it moves the stamps of the
    brands whose campaigns' events it stored (``bump_campaigns``)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is not None and not table.startswith("analytics_"):
        _mark(state.session, table, everything=True)


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: not committed yet
    marks = session.info.pop("figures_stamps", None)
    if marks and has_app_context() and current_app.config.get("REDIS_URL"):
        bump(
            brands=[m for m in marks if isinstance(m, int)],
            everything="all" in marks,
            ledger="ledger" in marks,
        )


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("figures_stamps", None)
