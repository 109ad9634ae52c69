from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db
from app.notifications.messages import render


class Notification(db.Model):
    """Something the user must know or act on; ``link`` leads to where to act.

    Stored as a code (``kind``) and its facts (``params``), rendered in the reader's language
    when read (app/notifications/messages.py). ``text`` is only for rows stored before
    migration 0019, which were rendered in the sender's language at send time."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="/")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    @property
    def message(self) -> str:
        """The words in the current locale (the reader's on a page)."""
        return render(self.kind, self.params, self.text)
