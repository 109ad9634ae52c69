"""Shoppers: self-registration, a profile with interests and an avatar, their navigation, and
what they may not see (bids, note approval, contracts, payments, finance, admin)."""

from __future__ import annotations

import pytest

from app.auth.models import Role, User
from app.engagement.models import ShopperProfile
from app.extensions import db
from tests.conftest import csrf_token, post_form, sign_in
from tests.engagement.support import member, published_note
from tests.factories import make_contract
from tests.notes.support import png_bytes


def test_register_as_a_shopper(client):
    response = post_form(
        client,
        "/auth/register",
        {
            "role": "shopper",
            "name": "Yuki",
            "email": "yuki@example.com",
            "password": "a long passphrase here",
            "confirm": "a long passphrase here",
        },
    )
    assert response.status_code == 302 and response.location.endswith("/profile")
    user = db.session.query(User).filter_by(email="yuki@example.com").one()
    assert user.role == Role.SHOPPER
    assert db.session.get(ShopperProfile, user.id).display_name == "Yuki"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)  # the feed
    for link in ('href="/feed"', 'href="/wishlist"', 'href="/explore"', 'href="/profile"'):
        assert link in home


def test_the_registration_form_offers_shopper_in_chinese(client):
    client.get("/lang/zh_Hans")  # a visitor's language link (no session needed)
    html = client.get("/auth/register?role=shopper").get_data(as_text=True)
    assert 'value="shopper"' in html and "购物" in html


def test_profile_with_interests_and_avatar(client):
    from io import BytesIO

    user = member()

    sign_in(client, user)
    data = {
        "csrf_token": csrf_token(client, "/profile"),
        "display_name": "Yuki <b>Shops</b>",
        "interests": ["beauty", "food"],
        "avatar": (BytesIO(png_bytes()), "me.png"),
    }
    response = client.post("/profile", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    profile = db.session.get(ShopperProfile, user.id)
    db.session.refresh(profile)
    assert profile.interests == ["beauty", "food"] and profile.avatar.endswith(".png")
    assert "Yuki &lt;b&gt;Shops&lt;/b&gt;" in client.get("/profile").get_data(as_text=True)


def test_profile_errors_name_the_field(client):
    sign_in(client, member())
    token = csrf_token(client, "/profile")
    bad = client.post(
        "/profile", data={"csrf_token": token, "display_name": "", "interests": ["x"]}
    )
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count('class="error"') >= 1


@pytest.mark.parametrize(
    "url",
    [
        "/bids",
        "/contracts",
        "/campaigns/mine",
        "/campaigns/1/bids",
        "/bids/1",
        "/payments",
        "/earnings",
        "/finance",
        "/admin/users",
        "/analytics",
    ],
)
def test_a_shopper_cannot_open_business_pages(client, url):
    sign_in(client, member())
    assert client.get(url).status_code in (403, 404)


def test_a_shopper_cannot_see_a_contract_or_approve_a_note(client):
    contract = make_contract()
    note = published_note()
    sign_in(client, member())
    assert client.get(f"/contracts/{contract.id}").status_code in (403, 404)
    token = csrf_token(client, "/")
    assert client.post(f"/notes/{note.id}/approve", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/notes/{note.id}/review").status_code == 403
