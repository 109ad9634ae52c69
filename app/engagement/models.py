"""Shopper profiles and engagement rows: likes, saves on boards, follows, comments, reports.

Counts shown anywhere are the rows behind them (or the hourly rollups the writer keeps in step
with those rows); nothing here holds a denormalised counter a form could write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class ShopperProfile(db.Model):
    __tablename__ = "shopper_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(80))
    avatar: Mapped[str | None] = mapped_column(String(255))
    # Category codes from app.catalog (the same codes as a KOL's niches), sorted, no repeats.
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    # "Verified shopper": when a brand first confirmed an order bought through this shopper's
    # own tracked click. Set by the conversion, never by a form (issue 24).
    verified_buyer_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class NoteLike(db.Model):
    __tablename__ = "note_likes"
    __table_args__ = (Index("ix_note_likes_user_created", "user_id", "created_at"),)

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # a new account's


class WishlistBoard(db.Model):
    __tablename__ = "wishlist_boards"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_wishlist_boards_user_name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    is_private: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class NoteSave(db.Model):
    """A note saved to the wishlist ("planting a weed"); ``bought_at`` marks it pulled."""

    __tablename__ = "note_saves"
    __table_args__ = (Index("ix_note_saves_user_created", "user_id", "created_at"),)

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    board_id: Mapped[int | None] = mapped_column(
        ForeignKey("wishlist_boards.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    bought_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    bought_source: Mapped[str | None] = mapped_column(String(16))  # shopper | conversion


class KolFollow(db.Model):
    __tablename__ = "kol_follows"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kol_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class NoteComment(db.Model):
    __tablename__ = "note_comments"
    __table_args__ = (Index("ix_note_comments_note_created", "note_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("note_comments.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CommentReport(db.Model):
    __tablename__ = "comment_reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id", name="uq_comment_reports_reporter"),
        Index("ix_comment_reports_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("note_comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
