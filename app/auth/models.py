"""Accounts, roles and personal API keys."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db


class Role(enum.StrEnum):
    BRAND = "brand"
    KOL = "kol"
    FINANCE = "finance"
    ADMIN = "admin"
    SHOPPER = "shopper"

    @classmethod
    def self_registered(cls) -> tuple[Role, ...]:
        return (cls.BRAND, cls.KOL, cls.SHOPPER)

    @classmethod
    def staff(cls) -> tuple[Role, ...]:
        return (cls.FINANCE, cls.ADMIN)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name; None reads as UTC
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # Bumped on password change or disable: every session holding the old value ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="user", lazy="raise_on_sql")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {Role(r) for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of a 32-byte random secret: fast to check, useless to a thief of the table.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    user: Mapped[User] = relationship(back_populates="api_keys")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
