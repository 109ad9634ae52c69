"""Brand teams (issue 22): invitations by e-mail, roles, removal; members act for the brand."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import ApiKey, User
from app.extensions import db
from app.mail.models import Mail
from app.orgs.models import Invitation, Membership, Organisation
from app.shortlists.models import Shortlist
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import make_api_key, make_campaign, make_member, make_user


def _invitation_link(email: str) -> str:
    mail = db.session.scalar(select(Mail).where(Mail.recipient == email).order_by(Mail.id.desc()))
    return re.search(r"https?://[^/\s]+(/invitations/\S+)", mail.body).group(1)


def test_owner_invites_and_the_invitee_joins_and_acts_for_the_brand(app):
    brand = make_user("brand", name="Glow Labs")
    owner = signed_in(app, brand)
    response = post_form(owner, "/team", {"email": "Mia@Example.com", "role": "manager"})
    assert response.status_code == 302
    assert "mia@example.com" in owner.get("/team").get_data(as_text=True)  # pending
    link = _invitation_link("mia@example.com")

    invitee = app.test_client()
    page = invitee.get(link).get_data(as_text=True)
    assert "Glow Labs" in page and "manager" in page
    joined = post_form(invitee, link, {"password": "a long new passphrase"})
    assert joined.status_code == 302
    mia = db.session.scalar(select(User).where(User.email == "mia@example.com"))
    org = db.session.scalar(select(Organisation).where(Organisation.brand_user_id == brand.id))
    assert (
        db.session.scalar(select(Membership).where(Membership.user_id == mia.id)).organisation_id
        == org.id
    )

    campaign = make_campaign(brand, title="Brand's own campaign")
    mine = invitee.get("/campaigns/mine").get_data(as_text=True)
    assert "Brand&#39;s own campaign" in mine or "Brand's own campaign" in mine
    assert "Acting for Glow Labs" in mine
    post_form(invitee, "/shortlists", {"name": "Mia's picks"})
    shortlist = db.session.scalar(select(Shortlist).where(Shortlist.name == "Mia's picks"))
    assert shortlist.brand_id == brand.id  # written for the brand, not for the person
    assert campaign.brand_id == brand.id
    assert invitee.get(link).status_code == 410  # a link works once


def test_invitation_expires_and_can_be_withdrawn(app):
    brand = make_user("brand")
    owner = signed_in(app, brand)
    post_form(owner, "/team", {"email": "late@example.com", "role": "analyst"})
    link = _invitation_link("late@example.com")
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "late@example.com"))
    invitation.expires_at -= timedelta(days=30)
    db.session.commit()
    assert app.test_client().get(link).status_code == 410

    post_form(owner, "/team", {"email": "gone@example.com", "role": "analyst"})
    link = _invitation_link("gone@example.com")
    withdrawn = db.session.scalar(select(Invitation).where(Invitation.email == "gone@example.com"))
    post_form(owner, f"/team/invitations/{withdrawn.id}/revoke", page="/team")
    assert app.test_client().get(link).status_code == 410


def test_bad_invitations_name_the_field(app):
    owner = signed_in(app, make_user("brand"))
    response = post_form(owner, "/team", {"email": "x@example.com", "role": "emperor"})
    assert response.status_code in (400, 422)
    response = post_form(owner, "/team", {"email": "", "role": "manager"})
    assert response.status_code == 422


def test_an_existing_account_signs_in_to_accept(app):
    brand = make_user("brand")
    shopper = make_user("shopper", email="shop@example.com")
    owner = signed_in(app, brand)
    post_form(owner, "/team", {"email": "shop@example.com", "role": "analyst"})
    link = _invitation_link("shop@example.com")
    anonymous = app.test_client()
    assert post_form(anonymous, link, {}).status_code == 422  # sign in first
    signed = sign_in(app.test_client(), shopper)
    refused = post_form(signed, link, {})
    assert refused.status_code == 422  # a shopper stays a shopper
    assert db.session.scalar(select(Membership).where(Membership.user_id == shopper.id)) is None


def test_each_role_reaches_what_it_is_for(app):
    brand = make_user("brand")
    campaign = make_campaign(brand)
    expected = {
        # path: (manager, analyst, finance)
        "/campaigns/mine": (200, 200, 200),
        "/analytics": (200, 200, 403),
        f"/analytics/campaigns/{campaign.id}/export.csv": (200, 200, 403),
        "/payments": (403, 403, 200),
        "/settings/billing": (403, 403, 200),
        "/team": (403, 403, 403),
    }
    clients = [
        signed_in(app, make_member(brand, role)) for role in ("manager", "analyst", "finance")
    ]
    for path, statuses in expected.items():
        got = tuple(c.get(path).status_code for c in clients)
        assert got == statuses, path
    manager, analyst, finance = clients
    assert post_form(manager, "/shortlists", {"name": "ok"}).status_code == 302
    assert post_form(analyst, "/shortlists", {"name": "no"}, page="/shortlists").status_code == 403
    assert post_form(finance, "/shortlists", {"name": "no"}, page="/shortlists").status_code == 403
    nav = analyst.get("/campaigns/mine").get_data(as_text=True)
    assert 'href="/payments"' not in nav  # the menu offers what the role may open


def test_owner_changes_a_role_and_the_team_keeps_an_owner(app):
    brand = make_user("brand")
    member = make_member(brand, "analyst")
    owner = signed_in(app, brand)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == member.id))
    post_form(owner, f"/team/members/{membership.id}/role", {"role": "manager"}, page="/team")
    db.session.refresh(membership)
    assert membership.role.value == "manager"
    own = db.session.scalar(select(Membership).where(Membership.user_id == brand.id))
    post_form(owner, f"/team/members/{own.id}/role", {"role": "analyst"}, page="/team")
    db.session.refresh(own)
    assert own.role.value == "owner"  # the last owner stays one


def test_removing_a_member_ends_their_sessions_and_api_keys(app):
    brand = make_user("brand")
    member = make_member(brand, "manager")
    key = make_api_key(member)
    browser = signed_in(app, member)
    assert browser.get("/campaigns/mine").status_code == 200
    headers = {"Authorization": f"Bearer {key}"}
    assert app.test_client().get("/api/v1/shortlists", headers=headers).status_code == 200
    membership = db.session.scalar(select(Membership).where(Membership.user_id == member.id))
    post_form(signed_in(app, brand), f"/team/members/{membership.id}/remove", page="/team")

    assert browser.get("/campaigns/mine").status_code == 302  # signed out
    assert app.test_client().get("/api/v1/shortlists", headers=headers).status_code == 401
    assert db.session.scalar(select(ApiKey).where(ApiKey.user_id == member.id)).revoked_at
    again = sign_in(app.test_client(), member)  # may still sign in, acts for no brand
    assert again.get("/campaigns/mine").status_code == 403


def test_a_members_api_key_carries_their_role(app):
    brand = make_user("brand")
    analyst = make_member(brand, "analyst")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {make_api_key(analyst)}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["id"] == analyst.id
    brands = client.get("/api/v1/brands", headers=headers).get_json()["items"]
    assert [(b["brand_id"], b["team_role"], b["acting"]) for b in brands] == [
        (brand.id, "analyst", True)
    ]
    assert client.get("/api/v1/shortlists", headers=headers).status_code == 200
    refused = client.post("/api/v1/shortlists", headers=headers, json={"name": "x"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/invoices", headers=headers).status_code == 403


def test_a_members_own_settings_stay_theirs(app):
    brand = make_user("brand")
    member = make_member(brand, "manager")
    browser = signed_in(app, member)
    page = browser.get("/settings/").get_data(as_text=True)
    assert member.email in page and brand.email not in page
    assert 'href="/settings/billing"' not in page  # a manager's role has no billing
    post_form(browser, "/auth/logout", page="/settings/")
    assert sign_in(app.test_client(), brand).get("/campaigns/mine").status_code == 200
    db.session.refresh(brand)
    assert brand.session_version == 1  # the member's sign-out ended only their sessions
