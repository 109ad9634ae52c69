"""Shared helpers for the engagement tests: users of each role, published notes, counts, and
the note page's form posts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.analytics.models import HourlyRollup
from app.auth.models import Role
from app.db_types import utcnow
from app.engagement.models import KolFollow, NoteLike, NoteSave
from app.extensions import db
from tests.analytics.support import BROWSER, bearer, published_note  # noqa: F401
from tests.conftest import csrf_token
from tests.factories import make_user


def member(role=Role.SHOPPER, *, days_old: int = 30):
    """An account of ``role``, old enough by default that its engagement is not flagged."""
    user = make_user(role)
    user.created_at = utcnow() - timedelta(days=days_old)
    db.session.commit()
    return user


def page(note) -> str:
    """The note's public page."""
    return f"/n/{note.id}-{note.slug}"


def post(client, note, action: str, data=None, **kwargs):
    """A button on the note page pressed: its form posted with the page's CSRF token."""
    payload = {"csrf_token": csrf_token(client, page(note)), **(data or {})}
    return client.post(f"/n/{note.id}/{action}", data=payload, **kwargs)


def rows(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


def likes(note_id: int) -> int:
    return rows(NoteLike, note_id=note_id)


def saves(note_id: int) -> int:
    return rows(NoteSave, note_id=note_id)


def follows(kol_id: int) -> int:
    return rows(KolFollow, kol_id=kol_id)


def rolled(note_id: int) -> dict[str, int]:
    """The engagement sums in analytics_hourly for a note."""
    names = ("likes", "saves", "follows", "bought", "flagged_engagements")
    row = db.session.execute(
        select(*(func.coalesce(func.sum(getattr(HourlyRollup, n)), 0) for n in names)).where(
            HourlyRollup.note_id == note_id
        )
    ).one()
    return dict(zip(names, (int(v) for v in row), strict=True))
