"""Invitations: a brand asks a verified KOL to bid on one of its open campaigns; the KOL sees
them on the campaigns page, marked seen once shown."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.campaigns.models import Campaign, CampaignStatus, Invitation
from app.campaigns.services import owned_campaign
from app.db_types import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.profiles.models import KolProfile
from app.text import clean_text


def invite_kol(*, brand_id: int, campaign_id: int, kol_id: int, message: str = "") -> Invitation:
    """Ask a verified KOL to bid on one of the brand's open campaigns (once per campaign)."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(_("Only an open campaign can take invitations."))
    kol = db.session.get(KolProfile, kol_id)
    if kol is None or not kol.is_verified:
        raise NotFound(_("No such verified KOL."))
    invitation = Invitation(
        campaign_id=campaign.id, kol_id=kol_id, message=clean_text(message, 1000)
    )
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        raise Conflict(_("This KOL is already invited to this campaign.")) from None
    _notify_invited(invitation)
    return invitation


def _notify_invited(invitation: Invitation) -> None:
    """The KOL hears of the invitation (bell and e-mail)."""
    from app.notifications.services import notify

    campaign = db.session.get(Campaign, invitation.campaign_id)
    notify(
        user_id=invitation.kol_id,
        kind="invitation",
        link=f"/campaigns/{campaign.id}",
        title=campaign.title,
    )


def invitations_for(*, kol_id: int) -> list[Invitation]:
    """A KOL's invitations, newest first; showing them marks them seen."""
    invitations = list(
        db.session.scalars(
            select(Invitation).where(Invitation.kol_id == kol_id).order_by(Invitation.id.desc())
        )
    )
    now = utcnow()
    for invitation in invitations:
        invitation.seen_at = invitation.seen_at or now
    return invitations


def unseen_invitation_count(kol_id: int) -> int:
    stmt = select(func.count()).where(Invitation.kol_id == kol_id, Invitation.seen_at.is_(None))
    return db.session.scalar(stmt) or 0
