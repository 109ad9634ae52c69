"""Contracts: creation on acceptance, who may see one, the message thread, and ratings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.bids.models import Bid
from app.campaigns.models import Campaign, ContentFormat
from app.contracts.deliverables import build_deliverables, deliverables_of
from app.contracts.models import Contract, ContractStatus, Message, Rating
from app.contracts.reliability import reliability_for
from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.money import fee_for
from app.notes.models import Note
from app.notifications.services import notify
from app.pagination import list_page
from app.profiles.models import BrandProfile, KolProfile
from app.status import history, record_created
from app.text import clean_text
from app.uploads import save_image, upload_root

MESSAGE_MAX = 5000
COMMENT_MAX = 2000
PDF_MAX_BYTES = 10 * 1024 * 1024
PER_PAGE = 20
DELIVERABLES = {ContentFormat.IMAGE: "1 image note", ContentFormat.VIDEO: "1 video note"}


def create_contract(*, bid: Bid, campaign: Campaign, by: int) -> Contract:
    """The contract for an accepted bid: price, fees and terms fixed now."""
    config = current_app.config
    contract = Contract(
        campaign_id=campaign.id,
        bid_id=bid.id,
        brand_id=campaign.brand_id,
        kol_id=bid.kol_id,
        currency=bid.currency,
        price=bid.price,
        brand_fee=fee_for(bid.price, config["BRAND_FEE_BPS"]),
        kol_fee=fee_for(bid.price, config["KOL_FEE_BPS"]),
        deliverables=DELIVERABLES[campaign.content_format],
        due_date=bid.proposed_delivery,
        revision_rounds=campaign.revision_rounds,
        review_window_days=campaign.review_window_days,
        keep_live_days=campaign.keep_live_days,
        usage_rights=campaign.usage_rights,
        status=ContractStatus.AWAITING_FUNDING,
        funding_deadline=utcnow() + timedelta(hours=config["FUNDING_DEADLINE_HOURS"]),
        # Outcome terms as the bid left them; the brand fee applies to the cap as to the price.
        **bid.terms(),
        outcome_fee=fee_for(bid.outcome_cap, config["BRAND_FEE_BPS"]),
        # The usage licence as the bid left it, with the brand and KOL fees on its fee.
        **bid.licence(),
        licence_brand_fee=fee_for(bid.licence_fee, config["BRAND_FEE_BPS"]),
        licence_kol_fee=fee_for(bid.licence_fee, config["KOL_FEE_BPS"]),
    )
    plan = campaign.deliverable_plan
    if len(plan) > 1:
        contract.deliverables = ", ".join(plan)
    parts = build_deliverables(contract, plan, bid.deliverable_dates)
    try:
        with db.session.begin_nested():
            db.session.add(contract)
            db.session.add_all(parts)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This bid already has a contract.")) from None
    record_created(contract, by=by, reason="bid accepted")
    for part in parts:
        record_created(part, by=by)
    return contract


def visible_contract(*, contract_id: int, user: User) -> Contract:
    """A contract for its brand, its KOL and admins; everyone else gets 404."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not (
        user.id in (contract.brand_id, contract.kol_id) or user.role == Role.ADMIN
    ):
        raise NotFound(_("No such contract."))
    return contract


def party_contract(*, contract_id: int, user_id: int) -> Contract:
    """A contract for its two parties only (to write on it); everyone else gets 404."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or user_id not in (contract.brand_id, contract.kol_id):
        raise NotFound(_("No such contract."))
    return contract


def contracts_page(
    *, user: User, status: str | None, page: int, per_page: int = PER_PAGE,
    cursor: str | None = None,
):  # fmt: skip
    """A page of the user's contracts (as brand or KOL), newest first, filtered by status:
    numbered (with its ``next_cursor``), or the rows after ``cursor`` (app/pagination.py)."""
    column = Contract.brand_id if user.role == Role.BRAND else Contract.kol_id
    stmt = select(Contract).where(column == user.id)
    if status in {s.value for s in ContractStatus}:
        stmt = stmt.where(Contract.status == ContractStatus(status))
    return list_page(stmt, (Contract.id,), page=page, per_page=per_page, cursor=cursor,
                     numbered_first=True)  # fmt: skip


def status_counts(*, user: User) -> dict[str, int]:
    """How many of the user's contracts are in each status (for the filter tabs)."""
    column = Contract.brand_id if user.role == Role.BRAND else Contract.kol_id
    rows = db.session.execute(
        select(Contract.status, func.count()).where(column == user.id).group_by(Contract.status)
    )
    return {str(status): count for status, count in rows}


# ---- messages ------------------------------------------------------------------------------


def messages_of(contract_id: int, *, limit: int | None = None) -> list[Message]:
    """The thread, oldest first."""
    stmt = select(Message).where(Message.contract_id == contract_id).order_by(Message.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def post_message(
    *, contract_id: int, sender_id: int, body: str, attachment: FileStorage | None = None
) -> Message:
    """A party writes on the thread (plain text, optionally one image or PDF)."""
    contract = party_contract(contract_id=contract_id, user_id=sender_id)
    text = clean_text(body, MESSAGE_MAX + 1)
    if len(text) > MESSAGE_MAX:
        raise ValidationFailed(
            {"body": [_("Keep messages under %(n)d characters.", n=MESSAGE_MAX)]}
        )
    has_file = attachment is not None and bool(attachment.filename)
    if not text and not has_file:
        raise ValidationFailed({"body": [_("Write a message or attach a file.")]})
    message = Message(contract_id=contract.id, sender_id=sender_id, body=text)
    if has_file:
        message.attachment = _store_attachment(attachment)
        message.attachment_name = clean_text(attachment.filename, 200).replace("/", "_") or "file"
    db.session.add(message)
    other = contract.kol_id if sender_id == contract.brand_id else contract.brand_id
    notify(
        user_id=other,
        kind="contract.message",
        link=f"/contracts/{contract.id}#messages",
        id=contract.id,
    )
    db.session.flush()
    return message


def _store_attachment(upload: FileStorage) -> str:
    """Keep a PDF (magic bytes, size) as is, or an image re-encoded; both under random names."""
    head = upload.stream.read(5)
    upload.stream.seek(0)
    if head != b"%PDF-":
        try:
            return save_image(upload, field="attachment", private=True)
        except ValidationFailed as error:
            if error.errors.get("attachment") != [_("Upload a JPEG, PNG or WebP image.")]:
                raise  # too large, too many pixels: the image check's own words
            raise ValidationFailed(
                {"attachment": [_("Attach a JPEG, PNG or WebP image, or a PDF.")]}
            ) from None
    data = upload.stream.read(PDF_MAX_BYTES + 1)
    if len(data) > PDF_MAX_BYTES:
        raise ValidationFailed({"attachment": [_("A PDF may be at most 10 MB.")]})
    name = f"{secrets.token_urlsafe(18)}.pdf"
    (upload_root(private=True) / name).write_bytes(data)
    return name


def attachment_for(*, contract_id: int, message_id: int, user: User) -> Message:
    """A message with an attachment, for the contract's parties (and admins) only."""
    contract = visible_contract(contract_id=contract_id, user=user)
    message = db.session.get(Message, message_id)
    if message is None or message.contract_id != contract.id or not message.attachment:
        raise NotFound(_("No such attachment."))
    return message


# ---- ratings -------------------------------------------------------------------------------


def rate_contract(*, contract_id: int, rater_id: int, stars: int | None, comment: str) -> Rating:
    """One side rates the other, once, after the contract completed."""
    contract = party_contract(contract_id=contract_id, user_id=rater_id)
    if contract.status != ContractStatus.COMPLETED:
        raise Conflict(_("Ratings open once the contract is completed."))
    if stars is None or not 1 <= stars <= 5:
        raise ValidationFailed({"stars": [_("Choose between 1 and 5 stars.")]})
    exists = db.session.scalar(
        select(Rating.id).where(Rating.contract_id == contract.id, Rating.rater_id == rater_id)
    )
    if exists:
        raise Conflict(_("You have already rated this contract."))
    ratee = contract.kol_id if rater_id == contract.brand_id else contract.brand_id
    rating = Rating(
        contract_id=contract.id,
        rater_id=rater_id,
        ratee_id=ratee,
        stars=stars,
        comment=clean_text(comment, COMMENT_MAX),
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("You have already rated this contract.")) from None
    notify(
        user_id=ratee,
        kind="contract.rated",
        link=f"/contracts/{contract.id}",
        n=stars,
        id=contract.id,
    )
    return rating


def ratings_of(contract_id: int) -> list[Rating]:
    return list(db.session.scalars(select(Rating).where(Rating.contract_id == contract_id)))


def rating_summary(user_ids) -> dict[int, tuple[float, int]]:
    """Average stars (one decimal) and count received by each user, in one query."""
    ids = list({int(i) for i in user_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Rating.ratee_id, func.avg(Rating.stars), func.count(Rating.id))
        .where(Rating.ratee_id.in_(ids))
        .group_by(Rating.ratee_id)
    )
    return {ratee: (round(float(avg), 1), count) for ratee, avg, count in rows}


# ---- pages ---------------------------------------------------------------------------------


@dataclass
class ContractPage:
    """Everything the shared contract page shows, loaded in a fixed number of queries."""

    side: str | None  # brand | kol | None (an admin looking)
    campaign: Campaign
    bid: Bid
    brand: BrandProfile | None
    kol: KolProfile | None
    timeline: list[tuple]  # (when, "status" | "offer", row), oldest first
    messages: list[Message]
    ratings: list[Rating]
    note: Note | None
    reliability: dict
    rating_summary: dict
    viewer_id: int | None = None
    deliverables: list = field(default_factory=list)
    notes_by_deliverable: dict = field(default_factory=dict)  # when there are several

    @property
    def my_rating(self) -> Rating | None:
        return next((r for r in self.ratings if r.rater_id == self.viewer_id), None)


def contract_page_data(*, contract: Contract, viewer_id: int) -> ContractPage:
    """The terms, history, thread, ratings and both parties' track records of a contract."""
    bid = db.session.get(Bid, contract.bid_id)
    changes = history("contract", contract.id)
    timeline = sorted(
        [(c.created_at, "status", c) for c in changes]
        + [(o.created_at, "offer", o) for o in bid.offers],
        key=lambda item: (item[0], 0 if item[1] == "offer" else 1),
    )
    parties = [contract.brand_id, contract.kol_id]
    side = {contract.brand_id: "brand", contract.kol_id: "kol"}.get(viewer_id)
    page = ContractPage(
        side=side,
        campaign=db.session.get(Campaign, contract.campaign_id),
        bid=bid,
        brand=db.session.get(BrandProfile, contract.brand_id),
        kol=db.session.get(KolProfile, contract.kol_id),
        timeline=timeline,
        messages=messages_of(contract.id),
        ratings=ratings_of(contract.id),
        note=db.session.scalar(select(Note).where(Note.contract_id == contract.id)),
        reliability=reliability_for(parties),
        rating_summary=rating_summary(parties),
        viewer_id=viewer_id,
        deliverables=deliverables_of(contract.id),
    )
    if len(page.deliverables) > 1:
        ids = [d.id for d in page.deliverables]
        notes = db.session.scalars(select(Note).where(Note.deliverable_id.in_(ids)))
        page.notes_by_deliverable = {n.deliverable_id: n for n in notes}
    return page


def names_for_contracts(contracts) -> dict[str, dict]:
    """Campaign titles and party names for a page of contracts (three queries)."""
    campaign_ids = {c.campaign_id for c in contracts}
    brand_ids = {c.brand_id for c in contracts}
    kol_ids = {c.kol_id for c in contracts}
    if not contracts:
        return {"campaigns": {}, "brands": {}, "kols": {}}
    return {
        "campaigns": dict(
            db.session.execute(
                select(Campaign.id, Campaign.title).where(Campaign.id.in_(campaign_ids))
            ).all()
        ),
        "brands": dict(
            db.session.execute(
                select(BrandProfile.user_id, BrandProfile.company_name).where(
                    BrandProfile.user_id.in_(brand_ids)
                )
            ).all()
        ),
        "kols": dict(
            db.session.execute(
                select(KolProfile.user_id, KolProfile.display_name).where(
                    KolProfile.user_id.in_(kol_ids)
                )
            ).all()
        ),
    }
