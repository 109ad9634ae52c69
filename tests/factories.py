"""Plain factory functions that build data through the services, as users would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete

from app.auth.models import Role, User
from app.auth.services import create_api_key, create_user
from app.extensions import db
from app.profiles import services as profiles

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(
    role: str | Role = Role.BRAND,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    name: str | None = None,
) -> User:
    role = Role(role)
    n = next(_counter)
    user = create_user(email=email or f"{role.value}{n}@example.com", password=password, role=role)
    if role in Role.self_registered():
        profiles.create_profile_for(user=user, name=name or f"{role.value.title()} {n}")
    db.session.commit()
    return user


def make_kol(*, verified: bool = False, followers: int = 5_000, **kwargs) -> User:
    user = make_user(Role.KOL, **kwargs)
    profiles.add_social_account(
        user_id=user.id,
        platform="xiaohongshu",
        handle=f"kol{user.id}",
        followers=followers,
        url=None,
    )
    if verified:
        admin = make_user(Role.ADMIN)
        request = profiles.submit_verification(user_id=user.id, handles="xhs", screenshot=None)
        profiles.decide_verification(
            request_id=request.id, admin_id=admin.id, approve=True, reason=None
        )
        _forget_what_they_were_told(user)  # verified long ago: the test starts with no news
    db.session.commit()
    return user


def _forget_what_they_were_told(user: User) -> None:
    from app.mail.models import Mail
    from app.notifications.models import Notification

    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(Mail).where(Mail.recipient == user.email))


def give_tax_details(kol: User, *, us_person: bool = False) -> None:
    """The KOL's tax details, as the tax form records them (needed before any payout)."""
    from app.paperwork.taxinfo import save_tax_details

    facts = {"legal_name": f"KOL {kol.id}", "address": "1 Rose Lane, Singapore 123456",
             "tax_residence": "SG", "citizenship": "SG", "tin": "S1234567D",
             "certified_name": f"KOL {kol.id}", "certify": True}  # fmt: skip
    if us_person:
        facts |= {"tin_type": "ssn", "tin": "123-45-6789", "address": "1 Main St, Austin TX"}
    save_tax_details(kol_id=kol.id, us_person=us_person, facts=facts)
    db.session.commit()


def make_api_key(user: User, name: str = "test key") -> str:
    _key, secret = create_api_key(user_id=user.id, name=name)
    db.session.commit()
    return secret


def make_campaign(brand: User | None = None, **overrides):
    """An open campaign inserted directly (campaign services have their own tests)."""
    from datetime import timedelta

    from app.campaigns.models import Campaign, CampaignStatus, ContentFormat
    from app.db_types import utcnow
    from app.status import record_created

    brand = brand or make_user(Role.BRAND)
    now = utcnow()
    values = dict(
        brand_id=brand.id,
        title="Spring skincare launch",
        brief="Show our **new serum**.",
        product_name="Glow Serum",
        product_url="https://shop.example/serum",
        category="beauty",
        content_format=ContentFormat.IMAGE,
        notes_wanted=3,
        currency="usd",
        budget=300_000,
        price_min=20_000,
        price_max=100_000,
        min_followers=0,
        application_deadline=now + timedelta(days=10),
        delivery_deadline=now + timedelta(days=30),
        required_hashtags="#glowserum",
        required_mentions="",
        revision_rounds=2,
        review_window_days=3,
        keep_live_days=30,
        usage_rights="Organic use, 6 months",
        status=CampaignStatus.OPEN,
        published_at=now,
    )
    values.update(overrides)
    campaign = Campaign(**values)
    db.session.add(campaign)
    record_created(campaign, by=brand.id)
    db.session.commit()
    return campaign


def make_bid(campaign=None, kol: User | None = None, price: int = 50_000, **overrides):
    from datetime import timedelta

    from app.bids.models import Bid, Offer
    from app.status import record_created

    campaign = campaign or make_campaign()
    kol = kol or make_kol(verified=True)
    bid = Bid(
        campaign_id=campaign.id,
        kol_id=kol.id,
        price=price,
        currency=campaign.currency,
        pitch="I love this serum",
        proposed_delivery=(campaign.delivery_deadline - timedelta(days=2)).date(),
        **overrides,
    )
    bid.offers.append(Offer.of(bid, by_role="kol", message=bid.pitch))
    db.session.add(bid)
    record_created(bid, by=kol.id)
    db.session.commit()
    return bid


def make_contract(bid=None, status=None, **overrides):
    """A contract for an accepted bid, inserted directly with fees from the app config."""
    from flask import current_app

    from app.bids.models import BidStatus
    from app.campaigns.models import Campaign
    from app.contracts.models import Contract, ContractStatus
    from app.money import fee_for
    from app.status import record_created

    bid = bid or make_bid()
    campaign = db.session.get(Campaign, bid.campaign_id)
    bid.status = BidStatus.ACCEPTED
    campaign.committed_amount += bid.price + overrides.get("outcome_cap", 0)
    campaign.committed_notes += 1
    if overrides.get("outcome_cap"):  # outcome terms: the brand fee applies to the cap too
        overrides.setdefault(
            "outcome_fee", fee_for(overrides["outcome_cap"], current_app.config["BRAND_FEE_BPS"])
        )
    contract = Contract(
        campaign_id=campaign.id,
        bid_id=bid.id,
        brand_id=campaign.brand_id,
        kol_id=bid.kol_id,
        currency=bid.currency,
        price=bid.price,
        brand_fee=fee_for(bid.price, current_app.config["BRAND_FEE_BPS"]),
        kol_fee=fee_for(bid.price, current_app.config["KOL_FEE_BPS"]),
        deliverables=f"1 {campaign.content_format.value} note",
        due_date=bid.proposed_delivery,
        revision_rounds=campaign.revision_rounds,
        review_window_days=campaign.review_window_days,
        keep_live_days=campaign.keep_live_days,
        usage_rights=campaign.usage_rights,
        status=status or ContractStatus.AWAITING_FUNDING,
        **overrides,
    )
    db.session.add(contract)
    if len(campaign.deliverable_plan) > 1:  # one deliverable otherwise, as the app's hook makes
        from app.contracts.deliverables import build_deliverables

        db.session.add_all(
            build_deliverables(contract, campaign.deliverable_plan, bid.deliverable_dates)
        )
    record_created(contract, by=campaign.brand_id)
    db.session.commit()
    return contract


# What production insists on besides SECRET_KEY (app/__init__.py _check_secrets): test
# values of Stripe's form, never Stripe's, and the public address; production apps in tests
# start with these.
PRODUCTION_STRIPE = {
    "PUBLIC_BASE_URL": "https://kol.example",
    "STRIPE_SECRET_KEY": "sk_test_production0config0tests0only000",
    "STRIPE_WEBHOOK_SECRET": "whsec_production0platform0tests0only00",
    "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_production0connect0tests0only000",
    "STRIPE_SETTLEMENT_CURRENCIES": "usd",
    "TAX_ID_ENCRYPTION_KEY": "rFZnnl6rKZSIZ0wixVq03ZNcmQzjrpCCJkCVQB8qBtM=",  # tests only
}


@dataclass
class Deal:
    """The parties and the paper of one deal, as make_deal left them."""

    brand: User
    kol: User
    campaign: Any
    bid: Any
    contract: Any = None  # None at the "bid" stage
    note: Any = None  # set at the "published" stage


# Each stage includes the ones before it; the aliases are the names tests use for the same step.
DEAL_STAGES = ("bid", "awaiting_funding", "funded", "submitted", "approved", "published")
_STAGE_ALIASES = {"accepted": "awaiting_funding", "in_review": "submitted", "released": "approved"}


def make_deal(
    stage: str = "awaiting_funding",
    *,
    brand: User | None = None,
    kol: User | None = None,
    campaign=None,
    price: int = 50_000,
    app=None,
    emulator=None,
    onboarded: bool = False,
    contract_fields: dict | None = None,
    **campaign_overrides,
) -> Deal:
    """A deal at `stage`. With `emulator` (and `app`) the brand pays on the emulator's hosted
    Checkout and jobs are drained, as users and Stripe drive it; without, a funded contract is
    inserted directly. "published" goes through the notes services (the note is approved, so the
    contract is approved too); "submitted"/"approved" through the contract lifecycle."""
    stage = _STAGE_ALIASES.get(stage, stage)
    if stage not in DEAL_STAGES:
        raise ValueError(f"unknown deal stage {stage!r}; one of {DEAL_STAGES}")
    reached = DEAL_STAGES.index(stage)
    if campaign is not None:
        brand = brand or db.session.get(User, campaign.brand_id)
    brand = brand or make_user(Role.BRAND)
    kol = kol or make_kol(verified=True)
    campaign = campaign or make_campaign(brand, **campaign_overrides)
    # The bid carries the contract's outcome terms (a price of 0 needs its cap on the bid too).
    from app.outcome_terms import TERM_FIELDS

    terms = {k: v for k, v in (contract_fields or {}).items() if k in TERM_FIELDS}
    deal = Deal(brand, kol, campaign, make_bid(campaign, kol, price=price, **terms))
    if reached == 0:
        return deal
    if onboarded:
        from tests.payments.money_support import onboard

        onboard(app, kol, emulator)
    deal.contract = _contract(
        deal, funded=reached >= 2, emulator=emulator, app=app, fields=contract_fields or {}
    )
    if stage == "published":
        deal.note = _published_note(deal)
    elif reached >= 3:
        _submit_and_approve(deal, approve=reached >= 4)
    if emulator is not None:
        from tests.payments.conftest import drain_jobs

        drain_jobs()
        db.session.expire_all()
    return deal


def _contract(deal: Deal, *, funded: bool, emulator, app, fields: dict):
    from app.contracts.models import Contract, ContractStatus

    if not funded or emulator is None:
        status = ContractStatus.FUNDED if funded else ContractStatus.AWAITING_FUNDING
        return make_contract(deal.bid, status=status, **fields)
    from tests.payments.money_support import fund

    contract = make_contract(deal.bid, **fields)
    fund(app, contract, deal.brand, emulator)
    return db.session.get(Contract, contract.id)


def _submit_and_approve(deal: Deal, *, approve: bool) -> None:
    from app.contracts.lifecycle import mark_submitted
    from app.payments.approvals import approve_contract

    mark_submitted(contract_id=deal.contract.id, by=deal.kol.id)
    if approve:
        approve_contract(contract_id=deal.contract.id, by=deal.brand.id, reason="approved")
    db.session.commit()


def _published_note(deal: Deal):
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from app.notes import services

    image = io.BytesIO()
    Image.new("RGB", (40, 30), (255, 36, 66)).save(image, format="PNG")
    note = services.save_draft(
        contract_id=deal.contract.id,
        kol_id=deal.kol.id,
        new_images=[FileStorage(stream=io.BytesIO(image.getvalue()), filename="photo.png")],
        title="My glow routine",
        body="Three weeks with the serum. #ad",
        hashtags="#glowserum #skincare",
    )
    db.session.commit()
    services.submit_note(note_id=note.id, kol_id=deal.kol.id)
    services.approve_note(note_id=note.id, brand_id=deal.brand.id)
    db.session.commit()
    return note


def make_member(brand: User, role: str = "manager", *, email: str | None = None) -> User:
    """A person in ``brand``'s team with ``role`` (as an accepted invitation leaves them)."""
    from app.orgs.models import MemberRole, Membership
    from app.orgs.services import own_organisation

    org = own_organisation(person_id=brand.id)
    n = next(_counter)
    person = create_user(email=email or f"{role}{n}@example.com", password=PASSWORD,
                         role=Role.BRAND)  # fmt: skip
    db.session.add(Membership(organisation_id=org.id, user_id=person.id, role=MemberRole(role)))
    db.session.commit()
    return person


def make_agency(*brands: User, role: str = "manager") -> tuple[User, User]:
    """An agency granted access by each of ``brands``: (its owner, a member with ``role``)."""
    from app.orgs.models import MemberRole, Membership
    from app.orgs.services import create_agency, grant_agency, own_organisation

    n = next(_counter)
    owner = create_user(email=f"agency{n}@example.com", password=PASSWORD, role=Role.BRAND)
    agency = create_agency(owner_id=owner.id, name=f"Agency {n}")
    member = create_user(email=f"agent{n}@example.com", password=PASSWORD, role=Role.BRAND)
    db.session.add(Membership(organisation_id=agency.id, user_id=member.id, role=MemberRole(role)))
    for brand in brands:
        org = own_organisation(person_id=brand.id)
        grant_agency(organisation_id=org.id, agency_email=owner.email, by=brand.id)
    db.session.commit()
    return owner, member


def make_team_objects(brand: User) -> dict[str, Any]:
    """Around ``brand``'s team: an analyst's membership, a pending invitation, and a grant to
    an agency whose owner is owner@agency.example (flushed)."""
    from sqlalchemy import select

    from app.orgs.models import AgencyGrant, Invitation, Membership
    from app.orgs.services import create_agency, grant_agency, invite_member, own_organisation

    member = make_member(brand, "analyst")
    org = own_organisation(person_id=brand.id)
    invite_member(organisation_id=org.id, invited_by=brand.id, email="asked@example.com",
                  role="manager")  # fmt: skip
    agency_owner = create_user(email=AGENCY_OWNER, password=PASSWORD, role=Role.BRAND)
    create_agency(owner_id=agency_owner.id, name="Agency")
    grant_agency(organisation_id=org.id, agency_email=AGENCY_OWNER, by=brand.id)
    return {
        "membership": db.session.scalar(select(Membership).where(Membership.user_id == member.id)),
        "invitation": db.session.scalar(select(Invitation).where(Invitation.organisation_id == org.id)),
        "grant": db.session.scalar(select(AgencyGrant).where(AgencyGrant.brand_organisation_id == org.id)),
    }  # fmt: skip


AGENCY_OWNER = "owner@agency.example"


def make_invoice(contract):
    """The invoice of a paid funding of the contract (issue 22: paperwork), flushed."""
    from app.db_types import utcnow
    from app.paperwork.invoices import issue_invoice
    from app.payments.models import Funding

    funding = Funding(contract_id=contract.id, amount=contract.brand_total,
                      currency=contract.currency, status="paid", paid_at=utcnow())  # fmt: skip
    db.session.add(funding)
    db.session.flush()
    return issue_invoice(funding=funding, contract=contract)
