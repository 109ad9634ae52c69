"""Campaign covers are stored once in every size and shown resized, like note images: lists and
cards load the thumb with width/height set, the campaign page the feed size (large on wide
screens), and the API gives each size's URL and pixels."""

import io

from PIL import Image

from app.campaigns import services
from app.campaigns.models import Campaign
from app.extensions import db
from tests.campaigns.helpers import form_data
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_campaign, make_kol, make_user
from tests.notes.support import png_bytes, upload


def _covered_campaign(size=(1600, 900), brand=None):
    campaign = make_campaign(brand)
    services.set_cover(campaign, upload(png_bytes(size=size, color=(90, 20, 200)), "cover.png"))
    db.session.commit()
    return campaign


def test_a_cover_uploaded_with_the_form_keeps_its_pixels_and_is_made_in_every_size(client):
    brand = make_user("brand")
    sign_in(client, brand)
    data = {**form_data(), "cover": (io.BytesIO(png_bytes(size=(1200, 800))), "cover.png")}
    response = post_form(client, "/campaigns/new", data)
    assert response.status_code == 302
    campaign = db.session.get(Campaign, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (campaign.cover_width, campaign.cover_height) == (1200, 800)
    thumb = client.get(f"/media/thumb/{campaign.cover_image}")
    assert Image.open(io.BytesIO(thumb.data)).size == (360, 240)
    form = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert f'src="/media/thumb/{campaign.cover_image}" width="360" height="240"' in form


def test_lists_show_the_thumb_and_the_campaign_page_the_feed_size_never_the_original(client):
    brand = make_user("brand")
    campaign = _covered_campaign(brand=brand)
    name = campaign.cover_image
    browse = client.get("/campaigns").get_data(as_text=True)
    assert (
        f'<img class="campaign-card-cover" src="/media/thumb/{name}" width="360" height="202"'
        in (browse)
    )
    assert f"/media/{name}" not in browse  # the full-size original is never sent to a list
    detail = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert f'src="/media/feed/{name}" srcset="/media/thumb/{name} 360w' in detail
    assert f"/media/large/{name} 1440w" in detail and 'width="720" height="405"' in detail
    sign_in(client, brand)
    mine = client.get("/campaigns/mine").get_data(as_text=True)
    assert f'<img class="campaign-thumb" src="/media/thumb/{name}"' in mine


def test_the_api_gives_every_size_of_the_cover(client):
    campaign = _covered_campaign((1000, 2000))
    kol = make_kol(verified=True)
    answer = client.get(
        f"/api/v1/campaigns/{campaign.id}",
        headers={"Authorization": f"Bearer {make_api_key(kol)}"},
    ).get_json()
    cover = answer["cover_image"]
    assert (
        answer["cover_image_url"]
        == cover["url"]
        == f"http://localhost/media/{campaign.cover_image}"
    )
    assert (cover["width"], cover["height"]) == (1000, 2000)
    assert cover["sizes"]["thumb"] == {
        "url": f"http://localhost/media/thumb/{campaign.cover_image}",
        "width": 360,
        "height": 720,
    }
    assert set(cover["sizes"]) == {"thumb", "feed", "large", "avatar"}


def test_covers_stored_before_pixels_were_recorded_are_measured_by_the_backfill(app, client):
    campaign = _covered_campaign((800, 1000))
    name = campaign.cover_image
    campaign.cover_width = campaign.cover_height = None  # as migration 0033 leaves old covers
    gone = make_campaign()
    gone.cover_image = "M" * 32 + ".png"  # its file is missing
    db.session.commit()
    before = client.get("/campaigns").get_data(as_text=True)
    assert f'src="/media/thumb/{name}"' in before  # shown, without width/height
    assert f'src="/media/thumb/{name}" width=' not in before
    result = app.test_cli_runner().invoke(args=["media", "backfill"])
    assert "campaign covers measured: 1; files missing: 1" in result.output
    db.session.refresh(campaign)
    assert (campaign.cover_width, campaign.cover_height) == (800, 1000)
    browse = client.get("/campaigns").get_data(as_text=True)
    assert f'src="/media/thumb/{name}" width="360" height="450"' in browse
