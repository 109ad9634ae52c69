"""What a KOL's public page shows beyond the profile: published notes and a track record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus, Rating
from app.extensions import db
from app.notes.models import Note, NoteStatus


@dataclass
class TrackRecord:
    completed: int
    rating: float | None
    ratings: int


def track_record(kol_id: int) -> TrackRecord:
    completed = db.session.scalar(
        select(func.count()).where(
            Contract.kol_id == kol_id, Contract.status == ContractStatus.COMPLETED
        )
    )
    average, n = db.session.execute(
        select(func.avg(Rating.stars), func.count()).where(Rating.ratee_id == kol_id)
    ).one()
    return TrackRecord(completed or 0, float(average) if average is not None else None, n or 0)


def published_notes(kol_id: int, limit: int = 12) -> list[Note]:
    stmt = (
        select(Note)
        .where(Note.kol_id == kol_id, Note.status == NoteStatus.PUBLISHED)
        .order_by(Note.published_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
