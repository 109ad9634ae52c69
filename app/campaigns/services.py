"""Campaign services: create, edit while draft, publish, close, reopen, cancel, duplicate
(invitations are invitations.py; what a brand may enter, cleaned and checked, is values.py).

Every service takes ids and plain values (amounts already in minor units, aware datetimes),
checks the rules a brand would expect, flushes and never commits. The web forms and the JSON API
both call these functions, so the rules and messages are the same everywhere.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Invitation,
)
from app.campaigns.values import TARGET_KINDS, campaign_values, clean_campaign_values
from app.db_types import utcnow
from app.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from app.extensions import db
from app.status import move, record_created
from app.text import clean_text
from app.uploads import store_image

S = CampaignStatus


def owned_campaign(*, brand_id: int, campaign_id: int, lock: bool = False) -> Campaign:
    """The brand's own campaign; anyone else's (or none) is 404."""
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        stmt = stmt.with_for_update(of=Campaign)
    campaign = db.session.scalar(stmt)
    if campaign is None or campaign.brand_id != brand_id:
        raise NotFound(_("No such campaign."))
    return campaign


def visible_campaign(*, campaign_id: int, user_id: int | None) -> Campaign:
    """A campaign as a page shows it: drafts only to their brand, an invite-only campaign
    only to its brand and the KOLs it invited; others 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or (campaign.status == S.DRAFT and campaign.brand_id != user_id):
        raise NotFound(_("No such campaign."))
    if not may_see(campaign, user_id):
        raise NotFound(_("No such campaign."))
    return campaign


def may_see(campaign: Campaign, user_id: int | None) -> bool:
    """Whether ``user_id`` may see ``campaign`` at all: an invite-only one is for its brand
    and the KOLs it invited (a not-invited KOL gets 404, as if it did not exist)."""
    if not campaign.invite_only or (user_id is not None and user_id == campaign.brand_id):
        return True
    if user_id is None:
        return False
    stmt = select(Invitation.id).where(
        Invitation.campaign_id == campaign.id, Invitation.kol_id == user_id
    )
    return db.session.scalar(stmt) is not None


def set_cover(campaign: Campaign, cover: FileStorage) -> None:
    """Store the cover once, in every size (app/uploads.py), and keep its pixels."""
    c, stored = campaign, store_image(cover, field="cover")
    c.cover_image, c.cover_width, c.cover_height = stored.name, stored.width, stored.height


def create_campaign(
    *, brand_id: int, values: dict[str, Any], cover: FileStorage | None = None
) -> Campaign:
    """A new draft campaign for the brand."""
    clean, targets = clean_campaign_values(values)
    campaign = Campaign(brand_id=brand_id, status=S.DRAFT, **clean)
    campaign.targets = targets
    if cover is not None and cover.filename:
        set_cover(campaign, cover)
    db.session.add(campaign)
    record_created(campaign, by=brand_id)
    return campaign


def update_campaign(
    *, brand_id: int, campaign_id: int, values: dict[str, Any], cover: FileStorage | None = None
) -> Campaign:
    """Change a draft; once published, terms are fixed (KOLs bid on them)."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    if campaign.status != S.DRAFT:
        raise Conflict(_("Only a draft can be edited; this campaign is %(s)s.", s=campaign.status))
    clean, targets = clean_campaign_values(values)
    if cover is not None and cover.filename:
        set_cover(campaign, cover)
    for key, value in clean.items():
        setattr(campaign, key, value)
    # Keep the rows that stay: a delete and re-insert of the same value would hit the unique key.
    kept = {(t.kind, t.value): t for t in campaign.targets}
    campaign.targets = [kept.get((t.kind, t.value), t) for t in targets]
    db.session.flush()
    return campaign


def missing_for_publishing(campaign: Campaign) -> dict[str, list[str]]:
    """What a draft still lacks before KOLs may see it (empty when it is complete)."""
    missing: dict[str, list[str]] = {}
    if not campaign.brief.strip():
        missing["brief"] = [_("Write the brief before publishing.")]
    if not campaign.product_name:
        missing["product_name"] = [_("Name the product before publishing.")]
    if not campaign.product_url:
        missing["product_url"] = [_("Add the product link before publishing.")]
    if campaign.application_deadline <= utcnow():
        missing["application_deadline"] = [_("The application deadline has passed; move it.")]
    if campaign.delivery_deadline <= utcnow():
        missing["delivery_deadline"] = [_("The delivery deadline has passed; move it.")]
    return missing


def _expect(campaign: Campaign, current: CampaignStatus, target: CampaignStatus) -> None:
    """Publish is only for drafts and reopen only for closed campaigns, though both end open."""
    if campaign.status != current:
        raise IllegalTransition(
            _(
                "This campaign is %(current)s and cannot become %(target)s.",
                current=campaign.status,
                target=target,
            )
        )


def publish_campaign(*, brand_id: int, campaign_id: int) -> Campaign:
    """Draft → open: KOLs can find it and bid."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    _expect(campaign, S.DRAFT, S.OPEN)
    if missing := missing_for_publishing(campaign):
        raise ValidationFailed(missing, _("Complete the campaign before publishing it."))
    move(campaign, S.OPEN, by=brand_id)
    campaign.published_at = utcnow()
    return campaign


def close_campaign(*, brand_id: int, campaign_id: int) -> Campaign:
    """Open → closed: no new bids; deals already made go on."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    move(campaign, S.CLOSED, by=brand_id)
    return campaign


def reopen_campaign(*, brand_id: int, campaign_id: int) -> Campaign:
    """Closed → open again, while the application deadline is still ahead."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    _expect(campaign, S.CLOSED, S.OPEN)
    if campaign.application_deadline <= utcnow():
        raise Conflict(_("The application deadline has passed; duplicate the campaign instead."))
    move(campaign, S.OPEN, by=brand_id)
    return campaign


def cancel_campaign(*, brand_id: int, campaign_id: int, reason: str | None = None) -> Campaign:
    """Draft, open or closed → cancelled, unless deals were already accepted on it."""
    campaign = owned_campaign(brand_id=brand_id, campaign_id=campaign_id, lock=True)
    if campaign.committed_notes and campaign.status in (S.OPEN, S.CLOSED):
        raise Conflict(_("This campaign has accepted deals; close applications instead."))
    move(campaign, S.CANCELLED, by=brand_id, reason=clean_text(reason, 500) or None)
    return campaign


def duplicate_campaign(*, brand_id: int, campaign_id: int) -> Campaign:
    """A new draft with the same terms; deadlines that have passed must be set again."""
    source = owned_campaign(brand_id=brand_id, campaign_id=campaign_id)
    values = campaign_values(source)
    copy = Campaign(
        brand_id=brand_id,
        status=S.DRAFT,
        cover_image=source.cover_image,
        cover_width=source.cover_width,
        cover_height=source.cover_height,
        **{k: v for k, v in values.items() if k not in TARGET_KINDS},
    )
    copy.title = clean_text(_("Copy of %(title)s", title=source.title), 140)
    copy.content_format = source.content_format
    copy.targets = [CampaignTarget(kind=t.kind, value=t.value) for t in source.targets]
    db.session.add(copy)
    record_created(copy, by=brand_id, reason=f"copy of campaign {source.id}")
    return copy
