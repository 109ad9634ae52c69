"""Mass assignment: extra fields posted to forms and JSON APIs change nothing they name."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, User
from app.bids.models import Bid, BidStatus
from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from app.profiles.models import KolProfile
from tests.bids.support import delivery_for
from tests.campaigns.helpers import api_json
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_campaign, make_kol, make_user

EXTRA = {
    "status": "completed",
    "amount": 1,
    "price": 1,
    "brand_id": 999_999,
    "owner_id": 999_999,
    "kol_id": 999_999,
    "role": "admin",
    "is_disabled": True,
    "verification": "approved",
    "is_verified": True,
    "committed_amount": 123_456,
    "committed_notes": 7,
    "id": 424_242,
}


def _bearer(user: User) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_campaign_api_refuses_extra_fields_on_create_and_patch(client):
    brand, other = make_user("brand"), make_user("brand")
    headers = _bearer(brand)
    extra = {k: v for k, v in EXTRA.items() if k != "price"}
    created = client.post("/api/v1/campaigns", json={**api_json(), **extra}, headers=headers)
    assert created.status_code == 422
    assert set(created.get_json()["error"]["fields"]) == set(extra)  # each one named
    assert db.session.scalar(select(Campaign).where(Campaign.brand_id == brand.id)) is None
    campaign = make_campaign(brand, status=CampaignStatus.DRAFT, published_at=None)
    patch = {"brand_id": other.id, "status": "completed", "committed_amount": 5, "title": "New"}
    response = client.patch(f"/api/v1/campaigns/{campaign.id}", json=patch, headers=headers)
    assert response.status_code == 422
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert campaign.brand_id == brand.id and campaign.status == CampaignStatus.DRAFT
    assert campaign.committed_amount == 0 and campaign.title != "New"


def test_bid_api_ignores_extra_fields(client):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    body = {"price": "500", "pitch": "Hello", "proposed_delivery": delivery_for(campaign)}
    extra = {k: v for k, v in EXTRA.items() if k != "price"}
    response = client.post(
        f"/api/v1/campaigns/{campaign.id}/bids", json={**body, **extra}, headers=_bearer(kol)
    )
    assert response.status_code in (201, 422)
    bid = db.session.scalar(select(Bid).where(Bid.campaign_id == campaign.id))
    if bid is not None:
        assert bid.kol_id == kol.id and bid.status == BidStatus.PENDING and bid.price == 50_000
        assert bid.id != 424_242
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).committed_amount == 0


def test_register_form_cannot_pick_a_staff_role_or_disable_state(client):
    data = {
        "role": "brand",
        "name": "Acme Tea",
        "email": "mass@example.com",
        "password": "a long passphrase 42",
        "confirm": "a long passphrase 42",
        **{k: v for k, v in EXTRA.items() if k != "role"},
    }
    post_form(client, "/auth/register", data)
    user = db.session.scalar(select(User).where(User.email == "mass@example.com"))
    assert user is not None and user.role == Role.BRAND and not user.is_disabled
    for role in ("admin", "finance"):
        fresh = client.application.test_client()
        post_form(fresh, "/auth/register", {**data, "email": f"{role}@example.com", "role": role})
        assert db.session.scalar(select(User).where(User.email == f"{role}@example.com")) is None


def test_profile_form_cannot_verify_or_promote(client):
    kol = make_kol()
    sign_in(client, kol)
    page = client.get("/profile").get_data(as_text=True)
    assert "csrf_token" in page
    post_form(client, "/profile", {"name": "Mia", **EXTRA})
    db.session.expire_all()
    user = db.session.get(User, kol.id)
    assert user.role == Role.KOL and not user.is_disabled
    assert not db.session.get(KolProfile, kol.id).is_verified


def test_bid_form_ignores_extra_fields(client):
    campaign = make_campaign()
    kol = make_kol(verified=True)
    sign_in(client, kol)
    form = {"price": "500", "pitch": "Hi", "proposed_delivery": delivery_for(campaign)}
    form["confirm_price"] = "500"  # past the fee preview
    sent = post_form(client, f"/campaigns/{campaign.id}/bid", {**EXTRA, **form})
    assert sent.status_code == 302
    bid = db.session.scalar(select(Bid).where(Bid.campaign_id == campaign.id))
    assert bid is not None, "the valid bid itself went in"
    assert bid.kol_id == kol.id and bid.status == BidStatus.PENDING and bid.price == 50_000
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).committed_amount == 0
