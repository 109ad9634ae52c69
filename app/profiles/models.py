"""Brand profiles, KOL profiles with their social accounts, and verification requests."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db
from app.search import Searchable


class BrandProfile(db.Model):
    __tablename__ = "brand_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    company_name: Mapped[str] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(32))
    logo: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    billing_country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class Verification(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class KolProfile(Searchable, db.Model):
    __tablename__ = "kol_profiles"
    SEARCH_FIELDS = {"display_name": "A", "bio": "B"}
    __table_args__ = (
        CheckConstraint("total_followers >= 0", name="followers_not_negative"),
        CheckConstraint("rate_image >= 0 AND rate_video >= 0", name="rates_not_negative"),
        Index("ix_kol_profiles_fts", "search_vector", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(120))
    avatar: Mapped[str | None] = mapped_column(String(64))
    bio: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(80))
    # Denormalised for discovery: kept equal to the sum of social accounts by the service.
    total_followers: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    tier: Mapped[str] = mapped_column(String(8), default="nano", index=True)
    rate_image: Mapped[int] = mapped_column(BigInteger, default=0)
    rate_video: Mapped[int] = mapped_column(BigInteger, default=0)
    rate_currency: Mapped[str] = mapped_column(String(3), default="usd")
    verification: Mapped[Verification] = mapped_column(
        enum_column(Verification), default=Verification.UNVERIFIED, index=True
    )
    verified_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)

    niches: Mapped[list[KolNiche]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="KolNiche.niche"
    )
    languages: Mapped[list[KolLanguage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="KolLanguage.language"
    )
    social_accounts: Mapped[list[SocialAccount]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SocialAccount.id"
    )

    @property
    def niche_codes(self) -> list[str]:
        return [n.niche for n in self.niches]

    @property
    def language_codes(self) -> list[str]:
        return [lang.language for lang in self.languages]

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    @property
    def unchecked_followers(self) -> int:
        """Followers the KOL typed in that no admin has checked (not counted toward tier)."""
        return sum(a.followers for a in self.social_accounts if not a.is_verified)


class KolNiche(db.Model):
    __tablename__ = "kol_niches"

    kol_id: Mapped[int] = mapped_column(
        ForeignKey("kol_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    niche: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class KolLanguage(db.Model):
    __tablename__ = "kol_languages"

    kol_id: Mapped[int] = mapped_column(
        ForeignKey("kol_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class SocialAccount(db.Model):
    __tablename__ = "social_accounts"
    __table_args__ = (
        UniqueConstraint("kol_id", "platform", "handle", name="uq_social_accounts_handle"),
        CheckConstraint("followers >= 0", name="followers_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kol_id: Mapped[int] = mapped_column(
        ForeignKey("kol_profiles.user_id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(80))
    followers: Mapped[int] = mapped_column(BigInteger, default=0)
    url: Mapped[str | None] = mapped_column(String(300))
    # What an admin checked, and when: only this count is counted toward reach and tier, so a
    # number typed in after verification cannot lift a KOL's tier on its own (issue 24).
    verified_followers: Mapped[int | None] = mapped_column(BigInteger)
    verified_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    @property
    def is_verified(self) -> bool:
        """Checked by an admin at the count shown now (a changed count needs a new check)."""
        return self.verified_at is not None and self.verified_followers == self.followers

    @property
    def counted_followers(self) -> int:
        """The followers this account adds to the KOL's reach: only what an admin checked."""
        return (self.verified_followers or 0) if self.verified_at is not None else 0


class VerificationRequest(db.Model):
    """A KOL's proof and the admin's decision; kept as history, one row per submission."""

    __tablename__ = "verification_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kol_id: Mapped[int] = mapped_column(
        ForeignKey("kol_profiles.user_id", ondelete="CASCADE"), index=True
    )
    handles: Mapped[str] = mapped_column(Text)
    screenshot: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[Verification] = mapped_column(
        enum_column(Verification), default=Verification.PENDING, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    kol: Mapped[KolProfile] = relationship(lazy="joined")
