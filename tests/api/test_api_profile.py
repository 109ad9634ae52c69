"""Profile text and verification through the API (the last parity gaps of issue 22): a brand's,
a KOL's and a shopper's profile as their page edits it, a KOL asking to be verified and an
admin deciding — the same rules as the pages, and nobody else's."""

from __future__ import annotations

from app.notifications.models import Notification
from app.profiles.models import Verification
from app.profiles.services import kol_profile
from tests.factories import make_api_key, make_kol, make_user


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_a_brand_saves_its_profile_text_and_bad_fields_are_named(client):
    auth = _auth(make_user("brand"))
    body = {"company_name": "Glow Lab", "website": "https://glow.example", "industry": "beauty",
            "description": "Serums.", "billing_country": "SG", "currency": "sgd"}  # fmt: skip
    saved = client.put("/api/v1/profile/brand", headers=auth, json=body)
    assert saved.status_code == 200, saved.get_json()
    assert client.get("/api/v1/profile/brand", headers=auth).get_json() == saved.get_json()
    assert saved.get_json()["currency"] == "sgd" and not saved.get_json()["has_logo"]

    bad = client.put("/api/v1/profile/brand", headers=auth, json=body | {"website": "ftp://x"})
    assert bad.status_code == 422 and "website" in bad.get_json()["error"]["fields"]
    blank = client.put("/api/v1/profile/brand", headers=auth, json=body | {"company_name": " "})
    assert blank.status_code == 422 and "company_name" in blank.get_json()["error"]["fields"]
    assert client.get("/api/v1/profile/brand", headers=auth).get_json()["website"] == (
        "https://glow.example"
    )  # nothing half-written
    assert (
        client.put("/api/v1/profile/brand", headers=_auth(make_kol()), json=body).status_code == 403
    )


def test_a_kol_saves_profile_and_rate_card_in_minor_units(client):
    kol = make_kol()
    auth = _auth(kol)
    body = {"display_name": "Mei Glow", "bio": "Skincare, daily.", "niches": ["beauty", "travel"],
            "region": "CN", "city": "Shanghai", "languages": ["zh", "en"],
            "rate_currency": "jpy", "rate_image": 20_000, "rate_video": 0}  # fmt: skip
    saved = client.put("/api/v1/profile/kol", headers=auth, json=body)
    assert saved.status_code == 200, saved.get_json()
    answer = saved.get_json()
    assert (answer["rate_image"], answer["rate_currency"]) == (20_000, "jpy")  # ¥20,000
    assert answer["niches"] == ["beauty", "travel"] and answer["verification"] == "unverified"
    assert kol_profile(kol.id).rate_image == 20_000
    usd = client.put("/api/v1/profile/kol", headers=auth, json=body | {"rate_currency": "usd",
                                                                     "rate_image": 12_050})  # fmt: skip
    assert usd.get_json()["rate_image"] == 12_050  # $120.50, not $12,050
    bad = client.put("/api/v1/profile/kol", headers=auth, json=body | {"niches": ["knitting"]})
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["niches.0"]
    assert client.get("/api/v1/profile/kol", headers=auth).get_json()["rate_image"] == 12_050


def test_a_shopper_saves_name_and_interests(client):
    auth = _auth(make_user("shopper"))
    saved = client.put("/api/v1/profile/shopper", headers=auth,
                       json={"display_name": "Ann", "interests": ["food", "beauty"]})  # fmt: skip
    assert saved.get_json()["interests"] == ["beauty", "food"]
    bad = client.put("/api/v1/profile/shopper", headers=auth, json={"display_name": ""})
    assert bad.status_code == 422 and "display_name" in bad.get_json()["error"]["fields"]


def test_a_kol_asks_to_be_verified_and_an_admin_decides(client):
    kol = make_kol()
    auth, admin = _auth(kol), _auth(make_user("admin"))
    assert client.get("/api/v1/profile/verification", headers=auth).status_code == 404
    empty = client.post("/api/v1/profile/verification", headers=auth, json={"handles": ""})
    assert empty.status_code == 422 and "handles" in empty.get_json()["error"]["fields"]
    asked = client.post("/api/v1/profile/verification", headers=auth,
                        json={"handles": "Xiaohongshu @meiglow"})  # fmt: skip
    assert asked.status_code == 201 and asked.get_json()["status"] == "pending"
    request_id = asked.get_json()["id"]
    again = client.post("/api/v1/profile/verification", headers=auth, json={"handles": "x"})
    assert again.status_code == 409

    waiting = client.get("/api/v1/verifications", headers=admin).get_json()["items"]
    assert [r["id"] for r in waiting] == [request_id]
    assert client.get("/api/v1/verifications", headers=auth).status_code == 403
    decision = f"/api/v1/verifications/{request_id}/decision"
    assert client.post(decision, headers=auth, json={"approve": True}).status_code == 403
    no_reason = client.post(decision, headers=admin, json={"approve": False})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    approved = client.post(decision, headers=admin, json={"approve": True})
    assert approved.status_code == 200 and approved.get_json()["status"] == "verified"
    assert client.post(decision, headers=admin, json={"approve": False,
                                                     "reason": "late"}).status_code == 409  # fmt: skip
    assert kol_profile(kol.id).verification == Verification.VERIFIED
    assert client.get("/api/v1/profile/verification", headers=auth).get_json()["status"] == (
        "verified"
    )
    told = Notification.query.filter_by(user_id=kol.id, kind="verification.approved").count()
    assert told == 1
    assert client.post("/api/v1/verifications/999999/decision", headers=admin,
                       json={"approve": True}).status_code == 404  # fmt: skip
