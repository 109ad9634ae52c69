import io

from PIL import Image

from app.extensions import db
from app.profiles import services as profiles
from app.profiles.models import BrandProfile, KolProfile
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import make_kol, make_user


def _png(size=(40, 40), exif=False) -> io.BytesIO:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (255, 36, 66))
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCamera"  # Make
        image.save(buffer, format="JPEG", exif=data)
    else:
        image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _brand_form(**overrides):
    data = {
        "company_name": "Blossom",
        "website": "https://blossom.example",
        "industry": "beauty",
        "description": "Gentle skincare",
        "billing_country": "CN",
        "currency": "cny",
    }
    data.update(overrides)
    return data


def test_brand_saves_profile_with_logo(client, app):
    brand = make_user("brand")
    sign_in(client, brand)
    data = _brand_form(logo=(_png(), "logo.png"))
    response = post_form(client, "/profile", data, content_type="multipart/form-data")
    assert response.status_code == 302
    profile = db.session.get(BrandProfile, brand.id)
    db.session.refresh(profile)
    assert (profile.company_name, profile.currency, profile.billing_country) == (
        "Blossom",
        "cny",
        "CN",
    )
    assert profile.logo and profile.logo.endswith(".png") and "logo" not in profile.logo
    assert client.get(f"/media/{profile.logo}").status_code == 200


def test_brand_profile_rejects_bad_fields_and_writes_nothing(client):
    brand = make_user("brand", name="Original")
    sign_in(client, brand)
    response = post_form(
        client, "/profile", _brand_form(website="javascript:alert(1)", company_name="Changed")
    )
    assert response.status_code == 422
    assert "https://" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(BrandProfile, brand.id).company_name == "Original"


def test_upload_checked_by_content_not_name(client):
    brand = make_user("brand")
    sign_in(client, brand)
    fake = io.BytesIO(b"<?php echo 'hi'; ?>")
    response = post_form(
        client, "/profile", _brand_form(logo=(fake, "logo.png")), content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "JPEG, PNG or WebP" in response.get_data(as_text=True)


def test_reencoded_image_has_no_exif(client, app):
    kol = make_user("kol")
    sign_in(client, kol)
    data = {"display_name": "Lily", "rate_currency": "usd", "avatar": (_png(exif=True), "me.jpg")}
    assert (
        post_form(client, "/profile", data, content_type="multipart/form-data").status_code == 302
    )
    profile = db.session.get(KolProfile, kol.id)
    db.session.refresh(profile)
    stored = client.get(f"/media/{profile.avatar}").data
    assert b"SecretCamera" not in stored
    assert Image.open(io.BytesIO(stored)).getexif().get(0x010F) is None


def test_kol_profile_rate_card_in_minor_units(client):
    kol = make_user("kol")
    sign_in(client, kol)
    data = {
        "display_name": "Lily",
        "bio": "Travel notes",
        "niches": ["travel", "food"],
        "region": "CN",
        "city": "Shanghai",
        "languages": ["zh", "en"],
        "rate_currency": "usd",
        "rate_image": "120.50",
        "rate_video": "300",
    }
    assert post_form(client, "/profile", data).status_code == 302
    profile = db.session.get(KolProfile, kol.id)
    db.session.refresh(profile)
    assert (profile.rate_image, profile.rate_video) == (12050, 30000)
    assert profile.niche_codes == ["food", "travel"] and profile.language_codes == ["en", "zh"]
    page = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert "$120.50" in page and "Shanghai" in page


def test_zero_decimal_currency_refuses_fractions(client):
    kol = make_user("kol")
    sign_in(client, kol)
    data = {"display_name": "Aki", "rate_currency": "jpy", "rate_image": "1500.5"}
    response = post_form(client, "/profile", data)
    assert response.status_code == 422 and "decimal places" in response.get_data(as_text=True)
    data["rate_image"] = "15000"
    assert post_form(client, "/profile", data).status_code == 302
    db.session.expire_all()
    assert db.session.get(KolProfile, kol.id).rate_image == 15000


def test_unknown_niche_is_refused(client):
    kol = make_user("kol")
    sign_in(client, kol)
    response = post_form(
        client, "/profile", {"display_name": "X", "rate_currency": "usd", "niches": ["crypto"]}
    )
    assert response.status_code == 422


def test_social_accounts_set_total_followers_and_tier(app, client):
    kol = make_kol(verified=True, followers=8_000)
    sign_in(client, kol)
    post_form(
        client,
        "/profile/social",
        {"platform": "xiaohongshu", "handle": "b", "followers": 95_000},
        page="/profile",
    )
    request = profiles.latest_verification(kol.id)
    post_form(signed_in(app, make_user("admin")), f"/admin/verifications/{request.id}",
              {"decision": "approve"})  # fmt: skip
    profile = db.session.get(KolProfile, kol.id)
    db.session.refresh(profile)
    assert profile.total_followers == 103_000 and profile.tier == "macro"
    account = profile.social_accounts[1]
    post_form(client, f"/profile/social/{account.id}/remove", page="/profile")
    db.session.expire_all()
    profile = db.session.get(KolProfile, kol.id)
    assert profile.total_followers == 8_000 and profile.tier == "nano"


def test_tier_boundaries():
    from app.catalog import tier_for

    assert [tier_for(n) for n in (0, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000)] == [
        "nano",
        "nano",
        "micro",
        "micro",
        "macro",
        "macro",
        "mega",
    ]


def test_a_kol_cannot_remove_another_kols_account(client):
    owner = make_kol()
    other = make_user("kol")
    account = db.session.get(KolProfile, owner.id).social_accounts[0]
    sign_in(client, other)
    response = post_form(client, f"/profile/social/{account.id}/remove", page="/profile")
    assert response.status_code == 404
    db.session.expire_all()
    assert len(db.session.get(KolProfile, owner.id).social_accounts) == 1


def test_bio_is_rendered_as_text(client):
    kol = make_user("kol")
    sign_in(client, kol)
    post_form(
        client,
        "/profile",
        {"display_name": "Lily", "rate_currency": "usd", "bio": '<img src=x onerror="alert(1)">'},
    )
    page = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_uploaded_media_is_served_sandboxed(client):
    brand = make_user("brand")
    sign_in(client, brand)
    post_form(
        client,
        "/profile",
        _brand_form(logo=(_png(), "logo.png")),
        content_type="multipart/form-data",
    )
    profile = db.session.get(BrandProfile, brand.id)
    db.session.refresh(profile)
    response = client.get(f"/media/{profile.logo}")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
