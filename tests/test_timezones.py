"""Each person reads and types dates in their own time zone; everything is stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.auth.models import User
from app.campaigns.models import Campaign
from app.extensions import db
from tests.campaigns.helpers import form_data
from tests.conftest import post_form, sign_in
from tests.factories import make_campaign, make_user


def _choose_zone(client, zone: str):
    return post_form(client, "/settings/", {"locale": "en", "time_zone": zone})


def test_a_deadline_reads_in_the_time_zone_chosen_in_settings(client):
    brand = make_user("brand")
    campaign = make_campaign(
        brand=brand, application_deadline=datetime(2030, 5, 1, 16, 30, tzinfo=UTC)
    )
    sign_in(client, brand)
    url = f"/campaigns/{campaign.id}"
    assert "2030-05-01 16:30 UTC" in client.get(url).get_data(as_text=True)  # nobody chose

    assert _choose_zone(client, "Asia/Shanghai").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "2030-05-02 00:30 CST" in page  # the next morning in Shanghai
    assert "16:30 UTC" not in page
    db.session.expire_all()
    assert db.session.get(User, brand.id).time_zone == "Asia/Shanghai"


def test_a_time_zone_not_on_the_list_is_refused_by_name(client):
    brand = make_user("brand")
    sign_in(client, brand)
    response = _choose_zone(client, "Mars/Olympus_Mons")
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, brand.id).time_zone is None


def test_a_campaign_deadline_is_typed_in_local_time_and_stored_in_utc(client):
    brand = make_user("brand")
    sign_in(client, brand)
    _choose_zone(client, "America/New_York")
    data = form_data(application_deadline="2030-07-01T09:00", delivery_deadline="2030-08-01T18:00")

    assert post_form(client, "/campaigns/new", data).status_code == 302
    campaign = db.session.scalars(select(Campaign).where(Campaign.brand_id == brand.id)).one()
    stored = campaign.application_deadline.astimezone(UTC)
    assert stored == datetime(2030, 7, 1, 13, 0, tzinfo=UTC)  # 09:00 EDT is 13:00 UTC
    edit = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'value="2030-07-01T09:00"' in edit  # shown back as it was typed


def test_registration_keeps_the_browsers_time_zone_when_it_is_a_real_one(client):
    def register(email: str, zone: str):
        return post_form(client, "/auth/register", {
            "role": "kol", "name": "Lin", "email": email, "password": "a long passphrase 1",
            "confirm": "a long passphrase 1", "time_zone": zone,
        })  # fmt: skip

    assert register("lin@example.com", "Asia/Tokyo").status_code == 302
    user = db.session.scalars(select(User).where(User.email == "lin@example.com")).one()
    assert user.time_zone == "Asia/Tokyo"


def test_a_made_up_browser_zone_is_ignored_and_the_account_reads_utc(app):
    client = app.test_client()
    response = post_form(client, "/auth/register", {
        "role": "kol", "name": "Mo", "email": "mo@example.com", "password": "a long passphrase 1",
        "confirm": "a long passphrase 1", "time_zone": "<script>",
    })  # fmt: skip
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "mo@example.com")).one()
    assert user.time_zone is None
