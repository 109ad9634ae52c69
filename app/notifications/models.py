from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class Notification(db.Model):
    """Something the user must know or act on; ``link`` leads to where to act."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)  # already in the recipient's language at send time
    link: Mapped[str] = mapped_column(String(300), default="/")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime())
