"""Notes, their images, every submitted revision, and the brand's review comments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, validates

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.search import Searchable, hashtags_in


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    PUBLISHED = "published"
    TAKEN_DOWN = "taken_down"


N = NoteStatus


class Note(Searchable, db.Model):
    __tablename__ = "notes"
    STATUS_ENTITY = "note"
    SEARCH_FIELDS = {"title": "A", "hashtags": "A", "body": "B"}
    TRANSITIONS = {
        N.DRAFT: {N.SUBMITTED},
        N.SUBMITTED: {N.APPROVED, N.CHANGES_REQUESTED},
        N.CHANGES_REQUESTED: {N.SUBMITTED},
        N.APPROVED: {N.PUBLISHED},
        N.PUBLISHED: {N.TAKEN_DOWN},
        N.TAKEN_DOWN: {N.PUBLISHED},
    }
    __table_args__ = (
        Index("ix_notes_status_published", "status", "published_at"),
        Index("ix_notes_category_published", "category", "status", "published_at"),
        Index("ix_notes_fts", "search_vector", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="RESTRICT"), index=True
    )
    # The deliverable this note delivers (one note each; a contract may hold several).
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="RESTRICT"), unique=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="RESTRICT"))
    kol_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(140), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown as written
    hashtags: Mapped[str] = mapped_column(String(1000), default="")  # space-separated, with #
    video_url: Mapped[str | None] = mapped_column(String(500))
    video_file: Mapped[str | None] = mapped_column(String(64))
    external_url: Mapped[str | None] = mapped_column(String(500))  # a cross-post, unverified
    slug: Mapped[str] = mapped_column(String(80), default="note")
    # The public tracked link is /go/<tracking_code> (the analytics feature records the click).
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[NoteStatus] = mapped_column(enum_column(NoteStatus), default=NoteStatus.DRAFT)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # submissions so far
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    taken_down_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # Pending asks of the other side: the KOL asks to take down during keep-live; the brand
    # asks for a revision round beyond those agreed (its comment is the latest ReviewComment).
    takedown_requested_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    extra_round_requested_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    images: Mapped[list[NoteImage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="NoteImage.position"
    )

    # The tags of its hashtags field and of #tags written in the body: /tags/<tag>.
    tags: Mapped[list[NoteTag]] = relationship(cascade="all, delete-orphan", lazy="select")

    @property
    def hashtag_list(self) -> list[str]:
        return self.hashtags.split()

    @validates("hashtags", "body")
    def _retag(self, key: str, value: str | None) -> str | None:
        """Whoever writes the text, its tags follow (one place, not every write path)."""
        hashtags = value if key == "hashtags" else self.hashtags
        body = value if key == "body" else self.body
        wanted = hashtags_in(hashtags, body)
        session = object_session(self)
        if session is None:
            current = list(self.tags)
        else:
            with session.no_autoflush:  # a half-edited note is not flushed to load its tags
                current = list(self.tags)
        have = {row.tag for row in current}
        self.tags[:] = [row for row in current if row.tag in wanted]
        self.tags.extend(NoteTag(tag=tag) for tag in wanted if tag not in have)
        return value


class NoteTag(db.Model):
    """One hashtag of a note, normalised (``防晒``, ``spf50``: no ``#``, case folded)."""

    __tablename__ = "note_tags"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class NoteImage(db.Model):
    __tablename__ = "note_images"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    file: Mapped[str] = mapped_column(String(64))
    # The stored image's pixels (app/media.py derives each size's): pages set width/height so
    # nothing jumps while covers load. Null for images stored before (`flask media backfill`).
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)


class NoteRevision(db.Model):
    """A snapshot of the note as submitted, kept so any two can be compared."""

    __tablename__ = "note_revisions"
    __table_args__ = (Index("ix_note_revisions_note", "note_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)
    hashtags: Mapped[str] = mapped_column(String(1000))
    images: Mapped[list] = mapped_column(JSON, default=list)
    video_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class ReviewComment(db.Model):
    """The brand's request for changes, tied to a brief item (e.g. a required hashtag)."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    brief_item: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
