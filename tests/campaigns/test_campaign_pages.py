"""The brand's pages: create, edit, list with counts, act; who may see what; XSS stays inert."""

from sqlalchemy import select

from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from tests.campaigns.helpers import form_data
from tests.conftest import post_form, sign_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

S = CampaignStatus
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _signed_in(client, role="brand", **kwargs):
    user = make_kol(**kwargs) if role == "kol" else make_user(role)
    sign_in(client, user)
    return user


def _latest(brand) -> Campaign:
    return db.session.scalar(
        select(Campaign).where(Campaign.brand_id == brand.id).order_by(Campaign.id.desc())
    )


def test_brand_creates_a_draft_typed_in_major_units(client):
    brand = _signed_in(client)
    response = post_form(client, "/campaigns/new", form_data())
    assert response.status_code == 302
    campaign = _latest(brand)
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert (campaign.budget, campaign.price_min, campaign.price_max) == (300_000, 20_000, 100_050)
    assert campaign.status == S.DRAFT
    assert campaign.targets_of("niche") == ["beauty", "fashion"]
    assert campaign.required_hashtags == "#glow #skincare"
    assert campaign.required_mentions == "@glowlab"
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Preview" in page and "$1,000.50" in page and "<strong>serum</strong>" in page


def test_zero_decimal_currency_refuses_fractions(client):
    _signed_in(client)
    response = post_form(client, "/campaigns/new", form_data(currency="jpy", price_min="200.5"))
    assert response.status_code == 422
    assert "Enter an amount" in response.get_data(as_text=True)


def test_web_form_shows_each_error_next_to_its_field(client):
    brand = _signed_in(client)
    bad = form_data(
        title="",
        budget="abc",
        notes_wanted="0",
        product_url="javascript:alert(1)",
        application_deadline="2001-01-01T00:00",
        delivery_deadline="not a date",
        revision_rounds="-1",
    )
    response = post_form(client, "/campaigns/new", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter an amount like 500" in html
    assert "Enter a date and time." in html
    assert "Enter a whole number." in html
    assert _latest(brand) is None
    response = post_form(
        client, "/campaigns/new", form_data(title="", product_url="ftp://x", notes_wanted="0")
    )
    html = response.get_data(as_text=True)
    assert "Enter a title." in html and "https://" in html and "from 1 to 1000" in html
    response = post_form(client, "/campaigns/new", form_data(price_min="2000", price_max="1000"))
    assert "must not exceed the highest price" in response.get_data(as_text=True)
    response = post_form(client, "/campaigns/new", form_data(price_max="5000"))
    assert "must fit in the total budget" in response.get_data(as_text=True)
    response = post_form(
        client, "/campaigns/new", form_data(application_deadline="2001-01-01T00:00")
    )
    assert "must be in the future" in response.get_data(as_text=True)


def test_edit_draft_then_publish_close_reopen_cancel(client):
    brand = _signed_in(client)
    post_form(client, "/campaigns/new", form_data())
    campaign = _latest(brand)
    url = f"/campaigns/{campaign.id}"
    response = post_form(client, f"{url}/edit", form_data(title="Autumn glow", niches=["food"]))
    assert response.status_code == 302
    db.session.expire_all()
    assert campaign.title == "Autumn glow" and campaign.targets_of("niche") == ["food"]
    for action, status in (
        ("publish", S.OPEN),
        ("close", S.CLOSED),
        ("reopen", S.OPEN),
        ("cancel", S.CANCELLED),
    ):
        assert post_form(client, f"{url}/{action}", page=url).status_code == 302
        db.session.expire_all()
        assert campaign.status == status


def test_illegal_web_transition_answers_409(client):
    brand = _signed_in(client)
    campaign = make_campaign(brand, status=S.CANCELLED)
    url = f"/campaigns/{campaign.id}"
    for action in ("publish", "close", "reopen", "cancel"):
        response = post_form(client, f"{url}/{action}", page=url)
        assert response.status_code == 409, action


def test_publishing_an_incomplete_draft_says_what_is_missing(client):
    brand = _signed_in(client)
    post_form(client, "/campaigns/new", form_data(brief="", product_url=""))
    campaign = _latest(brand)
    url = f"/campaigns/{campaign.id}"
    response = post_form(client, f"{url}/publish", page=url, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Write the brief before publishing." in html
    assert "Add the product link before publishing." in html
    db.session.expire_all()
    assert campaign.status == S.DRAFT


def test_published_campaign_cannot_be_edited(client):
    brand = _signed_in(client)
    campaign = make_campaign(brand)
    url = f"/campaigns/{campaign.id}/edit"
    assert client.get(url).status_code == 302
    response = post_form(
        client, url, form_data(title="Sneaky change"), page=f"/campaigns/{campaign.id}"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert campaign.title == "Spring skincare launch"


def test_duplicate_opens_the_copy_for_editing(client):
    brand = _signed_in(client)
    campaign = make_campaign(brand)
    url = f"/campaigns/{campaign.id}"
    response = post_form(client, f"{url}/duplicate", page=url)
    copy = _latest(brand)
    assert copy.id != campaign.id and copy.status == S.DRAFT
    assert response.headers["Location"].endswith(f"/campaigns/{copy.id}/edit")


def test_other_brand_gets_404_on_drafts_and_actions(client):
    owner = make_user("brand")
    draft = make_campaign(owner, status=S.DRAFT)
    live = make_campaign(owner)
    _signed_in(client)
    assert client.get(f"/campaigns/{draft.id}").status_code == 404
    assert client.get(f"/campaigns/{draft.id}/edit").status_code == 404
    assert client.get(f"/campaigns/{live.id}/edit").status_code == 404
    for action in ("publish", "close", "cancel", "duplicate"):
        url = f"/campaigns/{live.id}/{action}"
        assert post_form(client, url, page="/campaigns/mine").status_code == 404, action
    page = client.get(f"/campaigns/{live.id}").get_data(as_text=True)
    assert "Manage" not in page  # an open campaign is public, its controls are not


def test_kol_gets_403_and_visitor_is_sent_to_sign_in(client):
    brand = make_user("brand")
    draft = make_campaign(brand, status=S.DRAFT)
    assert client.get("/campaigns/mine").status_code == 302
    assert client.get(f"/campaigns/{draft.id}").status_code == 404
    _signed_in(client, "kol")
    for url in ("/campaigns/new", "/campaigns/mine", f"/campaigns/{draft.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, f"/campaigns/{draft.id}/publish", page="/campaigns").status_code == 403


def test_brand_list_has_status_tabs_counts_and_an_empty_state(client):
    brand = _signed_in(client)
    assert "Create your first campaign" in client.get("/campaigns/mine").get_data(as_text=True)
    busy = make_campaign(brand, title="Busy one")
    make_campaign(brand, title="Quiet draft", status=S.DRAFT)
    make_bid(busy)
    make_contract(make_bid(busy))
    html = client.get("/campaigns/mine").get_data(as_text=True)
    assert "Busy one" in html and "Quiet draft" in html
    row = html.split("Busy one")[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('<td class="num">')[1:]] == ["2", "1", "0"]
    drafts = client.get("/campaigns/mine?status=draft").get_data(as_text=True)
    assert "Quiet draft" in drafts and "Busy one" not in drafts
    assert "No campaigns with this status." in client.get(
        "/campaigns/mine?status=completed"
    ).get_data(as_text=True)


def test_user_text_renders_inert(client):
    brand = _signed_in(client)
    data = form_data(
        title=XSS,
        brief=f"{XSS}\n\n[click](javascript:alert(1))",
        usage_rights=XSS,
        product_name=XSS,
    )
    assert post_form(client, "/campaigns/new", data).status_code == 302
    campaign = _latest(brand)
    for url in (f"/campaigns/{campaign.id}", "/campaigns/mine", f"/campaigns/{campaign.id}/edit"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert 'href="javascript:' not in html, url
    post_form(client, f"/campaigns/{campaign.id}/publish", page=f"/campaigns/{campaign.id}")
    html = client.get("/campaigns").get_data(as_text=True)
    assert "&lt;script&gt;" in html and "<script>alert" not in html
