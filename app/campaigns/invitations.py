"""Invitations: a brand asks a verified KOL to bid on one of its open campaigns; the KOL sees
them on the campaigns page, marked seen once shown."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.campaigns.models import Campaign, CampaignStatus, Invitation
from app.campaigns.services import owned_campaign
from app.db_types import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.profiles.models import KolProfile, Verification
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


@dataclass
class BulkInvitation:
    """What inviting several KOLs at once did: who was invited now, who already had been,
    and who could not be (no longer verified)."""

    invited: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    not_verified: list[int] = field(default_factory=list)


def invite_kols(
    *, brand_id: int, campaign_id: int, kol_ids: list[int], message: str = ""
) -> BulkInvitation:
    """Invite many KOLs to one open campaign: one invitation and one notification each, and
    nobody twice. The campaign row is locked first, so two bulk invitations at once are
    served one after the other (the unique key holds the rule on any database)."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(_("Only an open campaign can take invitations."))
    wanted = list(dict.fromkeys(int(k) for k in kol_ids))
    done = set(
        db.session.scalars(
            select(Invitation.kol_id).where(
                Invitation.campaign_id == campaign.id, Invitation.kol_id.in_(wanted)
            )
        )
    )
    verified = set(
        db.session.scalars(
            select(KolProfile.user_id).where(
                KolProfile.user_id.in_(wanted), KolProfile.verification == Verification.VERIFIED
            )
        )
    )
    result = BulkInvitation()
    text = clean_text(message, 1000)
    for kol_id in wanted:
        if kol_id in done:
            result.already.append(kol_id)
        elif kol_id not in verified:
            result.not_verified.append(kol_id)
        else:
            invitation = Invitation(campaign_id=campaign.id, kol_id=kol_id, message=text)
            try:
                with db.session.begin_nested():
                    db.session.add(invitation)
            except IntegrityError:  # invited meanwhile (SQLite takes no row lock)
                result.already.append(kol_id)
                continue
            _notify_invited(invitation)
            result.invited.append(kol_id)
    return result


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
