"""A brand's shortlists of KOLs, and the stored reliability score discovery sorts by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class Shortlist(db.Model):
    """A named list of KOLs a brand is considering (a name once per brand)."""

    __tablename__ = "shortlists"
    __table_args__ = (UniqueConstraint("brand_id", "name", name="uq_shortlists_name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    members: Mapped[list[ShortlistMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ShortlistMember.id"
    )

    @property
    def kol_ids(self) -> list[int]:
        return [m.kol_id for m in self.members]


class ShortlistMember(db.Model):
    __tablename__ = "shortlist_members"
    __table_args__ = (
        UniqueConstraint("shortlist_id", "kol_id", name="uq_shortlist_members_kol"),
        Index("ix_shortlist_members_kol_id", "kol_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlists.id", ondelete="CASCADE"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class KolReliability(db.Model):
    """A KOL's reliability score (app/contracts/reliability.py), stored so that *Find KOLs*
    can sort by it in SQL: computed from the whole history, it is too costly per search.
    Refreshed by the scheduler (``kol-reliability``) and ``flask kols reliability``."""

    __tablename__ = "kol_reliability"
    __table_args__ = (Index("ix_kol_reliability_score", "score"),)

    kol_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int | None] = mapped_column(Integer)  # None: no history yet ("New")
    computed_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
