"""Precomputed recommendations, replaced whole by the scheduled job (app/recommend/jobs.py) and
only read by pages: a page never computes a recommendation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import TZDateTime, utcnow
from app.extensions import db


class NoteRecommendation(db.Model):
    """A note recommended "for you": ``rank`` 0 is the best; notes the person already engaged
    with are left out."""

    __tablename__ = "recommended_notes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class RelatedNote(db.Model):
    """Notes engaged with by the same people as ``note_id`` (cosine of their engagers)."""

    __tablename__ = "related_notes"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    related_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)


class KolRecommendation(db.Model):
    """A KOL recommended to a brand for looking like one whose notes sold for it. The reason is
    a code and its parameters (ids and numbers), rendered in the reader's language."""

    __tablename__ = "recommended_kols"

    brand_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The KOL that sold for the brand whom this one resembles most.
    like_kol_id: Mapped[int] = mapped_column(BigInteger)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
