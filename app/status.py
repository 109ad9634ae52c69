"""Status machines: each status enum has a transition table; every move is recorded as a row.

A model that has a workflow declares ``STATUS_ENTITY`` (its name in the history) and
``TRANSITIONS`` (status → statuses it may move to). ``move(obj, to, by=..., reason=...)`` is the
only way a status changes: an illegal move raises ``IllegalTransition`` and writes nothing.
A compare-and-set claim (one UPDATE, for jobs that must win a race) takes its from-states from
the same table through ``sources``; a status kept in a string column is held to its enum by
``known`` (a CHECK constraint).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.errors import IllegalTransition
from app.extensions import db


class StatusChange(db.Model):
    """Who moved what from which status to which, when and why."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigId)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


def known(statuses: type[enum.Enum], column: str = "status") -> CheckConstraint:
    """The database refuses a value outside the enum (for status columns kept as strings)."""
    values = ", ".join(f"'{member.value}'" for member in statuses)
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_known")


def can_move(obj, to: enum.Enum) -> bool:
    return to in obj.TRANSITIONS.get(obj.status, ())


def sources(transitions: Mapping[enum.Enum, Collection[enum.Enum]], to: enum.Enum) -> list[str]:
    """Every status that may move to ``to``: the WHERE of a compare-and-set claim, so a claim
    made by one UPDATE follows the same table as ``move``."""
    return [str(status) for status, targets in transitions.items() if to in targets]


def move(obj, to: enum.Enum, *, by: int | None, reason: str | None = None) -> StatusChange:
    """Move ``obj`` to status ``to`` and record it; illegal moves raise and write nothing."""
    if not can_move(obj, to):
        raise IllegalTransition(
            _(
                "This %(entity)s is %(current)s and cannot become %(target)s.",
                entity=obj.STATUS_ENTITY.replace("_", " "),
                current=str(obj.status).replace("_", " "),
                target=str(to).replace("_", " "),
            )
        )
    change = StatusChange(
        entity=obj.STATUS_ENTITY,
        entity_id=obj.id,
        from_status=str(obj.status) if obj.status else None,
        to_status=str(to),
        actor_id=by,
        reason=reason,
    )
    obj.status = to
    db.session.add(change)
    return change


def record_created(obj, *, by: int | None, reason: str | None = None) -> None:
    """The first row of an object's history (its initial status)."""
    db.session.flush()
    db.session.add(
        StatusChange(
            entity=obj.STATUS_ENTITY,
            entity_id=obj.id,
            from_status=None,
            to_status=str(obj.status),
            actor_id=by,
            reason=reason,
        )
    )


def history(entity: str, entity_id: int) -> list[StatusChange]:
    stmt = (
        select(StatusChange)
        .where(StatusChange.entity == entity, StatusChange.entity_id == entity_id)
        .order_by(StatusChange.id)
    )
    return list(db.session.scalars(stmt))
