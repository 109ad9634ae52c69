"""Organisations, their members, invitations and agencies' grants."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import BigId, TZDateTime, enum_column, utcnow
from app.extensions import db


class OrgKind(enum.StrEnum):
    BRAND = "brand"
    AGENCY = "agency"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    ANALYST = "analyst"
    FINANCE = "finance"


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("(kind = 'brand') = (brand_user_id IS NOT NULL)", name="brand_has_account"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, 16))
    name: Mapped[str] = mapped_column(String(120))
    # For a brand: the brand account every campaign, contract and payment belongs to.
    brand_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class Membership(db.Model):
    """A person in an organisation. A person belongs to one organisation at a time (the
    partial unique index): which brand they act for is never ambiguous."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index(
            "uq_memberships_active_user",
            "user_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_memberships_organisation_id", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, 16))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class Invitation(db.Model):
    __tablename__ = "org_invitations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, 16))
    # SHA-256 of the link's secret: the table alone lets nobody join.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > utcnow()


class AgencyGrant(db.Model):
    """A brand's owner lets an agency's members act for the brand; revoking ends it at once."""

    __tablename__ = "agency_grants"
    __table_args__ = (
        Index(
            "uq_agency_grants_active",
            "brand_organisation_id",
            "agency_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_agency_grants_agency_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    brand_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime())
