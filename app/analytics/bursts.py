"""A burst of engagement from new accounts on one note: an anomaly flag on the brand's
dashboard (flags.note_flags, per day) and, as it happens, a notification to the note's brand and
to every admin (the scheduled step "engagement-bursts").

A burst: in the current and the previous hour, at least BURST_MIN likes, saves, comments,
follows or purchases from accounts younger than ENGAGEMENT_TRUST_DAYS on one note, and at
least BURST_SHARE of that note's engagement in those hours. The same note is notified at
most once per NOTIFY_EVERY."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.analytics.metrics import flaggable
from app.analytics.models import HourlyRollup
from app.analytics.rollups import hour_of
from app.auth.models import Role, User
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note
from app.notifications.models import Notification
from app.notifications.services import notify

BURST_MIN = 10
BURST_SHARE = 0.5
NOTIFY_EVERY = timedelta(hours=24)
KIND = "engagement.burst"
_COUNTERS = ("likes", "saves", "comments", "follows", "bought", "flagged_engagements")


def is_burst(row: dict) -> bool:
    """Whether summed counters (one note, a window) are a burst from new accounts."""
    flagged = int(row.get("flagged_engagements") or 0)
    return flagged >= BURST_MIN and flagged >= BURST_SHARE * max(flaggable(row), 1)


def current_bursts(now=None) -> dict[int, int]:
    """note id → flagged engagements, for the notes in a burst now (one query)."""
    since = hour_of(now or utcnow()) - timedelta(hours=1)
    sums = [func.coalesce(func.sum(getattr(HourlyRollup, c)), 0).label(c) for c in _COUNTERS]
    rows = db.session.execute(
        select(HourlyRollup.note_id, *sums)
        .where(HourlyRollup.hour >= since)
        .group_by(HourlyRollup.note_id)
        .having(func.sum(HourlyRollup.flagged_engagements) >= BURST_MIN)
    ).all()
    bursts = {}
    for row in rows:
        counters = dict(zip(_COUNTERS, row[1:], strict=True))
        if is_burst(counters):
            bursts[row.note_id] = int(counters["flagged_engagements"])
    return bursts


def notify_bursts() -> int:
    """The scheduled step: tell the brand and the admins about each new burst; returns how
    many notes were notified. Running it again within NOTIFY_EVERY changes nothing."""
    now = utcnow()
    bursts = current_bursts(now)
    if not bursts:
        return 0
    told = {
        (params or {}).get("note_id")
        for params in db.session.scalars(
            select(Notification.params).where(
                Notification.kind == KIND, Notification.created_at >= now - NOTIFY_EVERY
            )
        )
    }
    admins = list(db.session.scalars(select(User.id).where(User.role == Role.ADMIN)))
    notes = db.session.execute(
        select(Note.id, Note.title, Note.brand_id, Note.kol_id, Note.campaign_id).where(
            Note.id.in_(set(bursts) - told)
        )
    ).all()
    for note in notes:
        params = {"note_id": note.id, "title": note.title, "count": bursts[note.id]}
        notify(
            user_id=note.brand_id,
            kind=KIND,
            link=f"/analytics/campaigns/{note.campaign_id}",
            **params,
        )
        for admin in admins:
            notify(user_id=admin, kind=KIND, link=f"/kols/{note.kol_id}", **params)
    db.session.commit()
    return len(notes)
