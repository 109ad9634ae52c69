"""Follower counts and tier come from what an admin checked (issue 24): an account added or a
count changed after verification is shown as unverified, counted nowhere, and waits in the
admin's queue; a changed checked count sends the KOL back to the queue."""

from sqlalchemy import select

from app.extensions import db
from app.profiles.models import KolProfile, Verification, VerificationRequest
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import make_api_key, make_kol, make_user


def _profile(kol_id: int) -> KolProfile:
    db.session.expire_all()
    return db.session.get(KolProfile, kol_id)


def _add(client, handle: str, followers: int):
    return post_form(
        client,
        "/profile/social",
        {"platform": "douyin", "handle": handle, "followers": followers},
        page="/profile",
    )


def _pending(kol_id: int) -> VerificationRequest | None:
    return db.session.scalar(
        select(VerificationRequest).where(
            VerificationRequest.kol_id == kol_id,
            VerificationRequest.status == Verification.PENDING,
        )
    )


def _decide(app, request_id: int, decision: str, reason: str = ""):
    admin_client = signed_in(app, make_user("admin"))
    url = f"/admin/verifications/{request_id}"
    page = admin_client.get(url).get_data(as_text=True)
    post_form(admin_client, url, {"decision": decision, "reason": reason})
    return page


def test_an_account_added_after_verification_is_not_counted(app, client):
    kol = make_kol(verified=True, followers=5_000)
    sign_in(client, kol)
    assert _add(client, "mega", 9_000_000).status_code == 302
    profile = _profile(kol.id)
    assert (profile.total_followers, profile.tier) == (5_000, "nano")
    assert profile.is_verified  # the badge stays: the checked accounts are still true
    page = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert "Mega" not in page and "5,000" in page
    assert "9,000,000" in page and "Unverified" in page
    auth = {"Authorization": f"Bearer {make_api_key(make_user('brand'))}"}
    api = client.get(f"/api/v1/kols/{kol.id}", headers=auth).get_json()
    assert (api["followers"], api["tier"]) == (5_000, "nano")
    assert api["unverified_followers"] == 9_000_000
    assert [a["verified"] for a in api["accounts"]] == [True, False]
    assert "@mega" in _pending(kol.id).handles


def test_an_admin_check_counts_the_new_account(app, client):
    kol = make_kol(verified=True, followers=5_000)
    sign_in(client, kol)
    _add(client, "big", 200_000)
    page = _decide(app, _pending(kol.id).id, "approve")
    assert "Never checked" in page and "200,000" in page
    profile = _profile(kol.id)
    assert (profile.total_followers, profile.tier) == (205_000, "macro")
    assert profile.is_verified and all(a.is_verified for a in profile.social_accounts)


def test_a_refused_new_account_stays_uncounted_and_the_badge_stays(app, client):
    kol = make_kol(verified=True, followers=5_000)
    sign_in(client, kol)
    _add(client, "fake", 9_000_000)
    _decide(app, _pending(kol.id).id, "reject", "No such account")
    profile = _profile(kol.id)
    assert profile.is_verified and (profile.total_followers, profile.tier) == (5_000, "nano")
    assert "Unverified" in client.get(f"/kols/{kol.id}").get_data(as_text=True)


def test_changing_a_checked_count_sends_the_kol_back_to_the_queue(app, client):
    kol = make_kol(verified=True, followers=5_000)
    account = _profile(kol.id).social_accounts[0]
    sign_in(client, kol)
    post_form(client, f"/profile/social/{account.id}", {"followers": 2_000_000}, page="/profile")
    profile = _profile(kol.id)
    assert profile.verification == Verification.PENDING
    assert (profile.total_followers, profile.tier) == (5_000, "nano")
    assert "checked: 5,000" in client.get(f"/kols/{kol.id}").get_data(as_text=True)
    page = _decide(app, _pending(kol.id).id, "approve")
    assert "Changed since the check" in page and "2,000,000" in page and "5,000" in page
    profile = _profile(kol.id)
    assert profile.is_verified and (profile.total_followers, profile.tier) == (2_000_000, "mega")


def test_only_checked_counts_before_the_first_verification(app, client):
    kol = make_kol(followers=50_000)
    assert (_profile(kol.id).total_followers, _profile(kol.id).tier) == (0, "nano")
    sign_in(client, kol)
    post_form(client, "/profile/verification", {"handles": "xhs @me"})
    _decide(app, _pending(kol.id).id, "approve")
    assert (_profile(kol.id).total_followers, _profile(kol.id).tier) == (50_000, "micro")


def test_find_kols_and_the_media_kit_mark_unverified_accounts(app, client):
    kol = make_kol(verified=True, followers=5_000)
    sign_in(client, kol)
    _add(client, "mega", 9_000_000)
    kit = client.get("/analytics/media-kit").get_data(as_text=True)
    assert "Unverified" in kit and "@mega" in kit
    brand = signed_in(app, make_user("brand"))
    found = brand.get("/kols").get_data(as_text=True)
    assert "+9,000,000 unverified" in found
    assert f"/kols/{kol.id}" not in brand.get("/kols?tier=mega").get_data(as_text=True)


def test_a_kol_cannot_change_another_kols_count(client):
    owner = make_kol(verified=True, followers=5_000)
    account = _profile(owner.id).social_accounts[0]
    sign_in(client, make_kol())
    answer = post_form(client, f"/profile/social/{account.id}", {"followers": 9}, page="/profile")
    assert answer.status_code == 404
    assert _profile(owner.id).social_accounts[0].followers == 5_000
