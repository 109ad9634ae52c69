from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, utcnow
from app.extensions import db


class Mail(db.Model):
    """Every message we send, kept so support can see what a user was told."""

    __tablename__ = "mails"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime())
