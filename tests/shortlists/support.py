"""Verified KOLs with a name the pages show, and what each KOL was told."""

from __future__ import annotations

from sqlalchemy import func, select

from app.campaigns.models import Invitation
from app.extensions import db
from app.notifications.models import Notification
from app.profiles import services as profiles
from tests.factories import make_kol


def named_kol(name: str, *, verified: bool = True, followers: int = 20_000):
    kol = make_kol(verified=verified, followers=followers)
    profiles.update_kol_profile(
        user_id=kol.id, display_name=name, bio=None, niches=["beauty"], region="CN", city=None,
        languages=["zh"], rate_currency="usd", rate_image="300", rate_video=None,
    )  # fmt: skip
    db.session.commit()
    return kol


def invitations_of(campaign_id: int) -> dict[int, int]:
    """kol_id → how many invitations that KOL has to the campaign."""
    stmt = (
        select(Invitation.kol_id, func.count())
        .where(Invitation.campaign_id == campaign_id)
        .group_by(Invitation.kol_id)
    )
    return dict(db.session.execute(stmt).all())


def times_told(kol_id: int, kind: str = "invitation") -> int:
    stmt = select(func.count()).where(Notification.user_id == kol_id, Notification.kind == kind)
    return db.session.scalar(stmt) or 0
