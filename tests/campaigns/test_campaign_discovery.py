"""KOLs browse open campaigns (filters, search, sorts, why-not, Fits you); brands search KOLs."""

import itertools
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.auth.models import Role, User
from app.campaigns.models import CampaignStatus, CampaignTarget, ContentFormat
from app.contracts.models import ContractStatus, Rating
from app.db_types import utcnow
from app.extensions import db
from app.profiles import services as profiles
from app.profiles.models import KolNiche, KolProfile, Verification
from tests.conftest import sign_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

S = CampaignStatus


def _kol(client=None, *, niches=("beauty",), region="CN", languages=("zh",), rate="500",
         followers=50_000, verified=True, currency="usd"):  # fmt: skip
    kol = make_kol(verified=verified, followers=followers)
    profiles.update_kol_profile(
        user_id=kol.id,
        display_name=f"KOL {kol.id}",
        bio=None,
        niches=list(niches),
        region=region,
        city=None,
        languages=list(languages),
        rate_currency=currency,
        rate_image=rate,
        rate_video=None,
    )
    db.session.commit()
    if client is not None:
        sign_in(client, kol)
    return kol


def _campaign(title, targets=(), **values):
    campaign = make_campaign(title=title, **values)
    campaign.targets = [CampaignTarget(kind=k, value=v) for k, v in targets]
    db.session.commit()
    return campaign


def _titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/campaigns/\d+">([^<]+)</a></h2>', html)


def test_browse_lists_only_open_campaigns_still_taking_bids(client):
    _campaign("Open one")
    _campaign("A draft", status=S.DRAFT)
    _campaign("Closed one", status=S.CLOSED)
    _campaign("Expired", application_deadline=utcnow() - timedelta(hours=1))
    assert _titles(client.get("/campaigns").get_data(as_text=True)) == ["Open one"]


def test_browse_search_and_filters(client):
    _campaign("Serum launch", brief="A gentle serum for dry skin")
    _campaign("Hiking boots", brief="Trail-ready boots", category="fashion")
    _campaign(
        "Video tour", brief="Hotel tour", category="travel", content_format=ContentFormat.VIDEO
    )
    _campaign("Paris only", targets=[("region", "FR")], brief="Bistro")
    _campaign(
        "Big yen", brief="Yen", currency="jpy", price_min=50_000, price_max=90_000, budget=900_000
    )
    _campaign("Closing soon", brief="Soon", application_deadline=utcnow() + timedelta(days=1))

    def titles(query):
        return set(_titles(client.get(f"/campaigns?{query}").get_data(as_text=True)))

    assert titles("q=serum") == {"Serum launch"}
    assert titles("q=boots") == {"Hiking boots"}
    assert titles("category=travel") == {"Video tour"}
    assert titles("format=video") == {"Video tour"}
    assert "Paris only" not in titles("region=CN")
    assert "Paris only" in titles("region=FR") and "Serum launch" in titles("region=FR")
    assert titles("currency=jpy&price_min=60000") == {"Big yen"}
    assert titles("currency=usd&price_min=1500") == set()  # no USD campaign pays $1,500
    deadline = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")
    assert titles(f"deadline_before={deadline}") == {"Closing soon"}


def test_browse_sorts(client):
    _campaign("Cheap", price_max=30_000, application_deadline=utcnow() + timedelta(days=20))
    _campaign("Rich", price_max=200_000, application_deadline=utcnow() + timedelta(days=9))
    _campaign("Soon", price_max=50_000, application_deadline=utcnow() + timedelta(days=2))
    html = client.get("/campaigns?sort=price").get_data(as_text=True)
    assert _titles(html) == ["Rich", "Soon", "Cheap"]
    assert _titles(client.get("/campaigns?sort=closing").get_data(as_text=True))[0] == "Soon"
    assert _titles(client.get("/campaigns?sort=newest").get_data(as_text=True))[0] == "Soon"


def test_bad_filter_is_reported_not_a_500(client):
    response = client.get("/campaigns?price_min=lots&currency=usd&deadline_before=someday")
    assert response.status_code == 200
    assert "Enter a number." in response.get_data(as_text=True)


def test_kol_sees_why_they_cannot_bid(client):
    _kol(client, niches=["food"], region="CN", followers=5_000)
    _campaign(
        "Picky",
        targets=[("niche", "beauty"), ("tier", "macro"), ("region", "JP"), ("language", "ja")],
        min_followers=100_000,
    )
    html = client.get("/campaigns").get_data(as_text=True)
    for reason in (
        "Looks for Beauty creators",
        "Open to Macro KOLs only.",
        "Open to KOLs in Japan only.",
        "Needs a KOL who writes in 日本語.",
        "Needs at least 100,000 followers; you have 5,000.",
    ):
        assert reason in html, reason
    page = client.get("/campaigns?sort=newest").get_data(as_text=True)
    assert "Why you cannot bid" in page


def test_unverified_kol_is_told_to_get_verified(client):
    _kol(client, verified=False)
    _campaign("Anyone")
    assert "Only verified KOLs can bid" in client.get("/campaigns").get_data(as_text=True)


def test_qualified_kol_gets_the_bid_button_when_bids_exist(client, app):
    _kol(client)
    campaign = _campaign("Welcome")
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    if "bids.new_bid" in app.view_functions:
        assert f"/campaigns/{campaign.id}/bids/new" in html or "Bid</a>" in html
    else:
        assert "You qualify" in html
    assert "Why you cannot bid" not in html


def test_fits_you_ranks_matches_first_with_reasons(client):
    _kol(client, niches=["beauty"], region="CN", languages=["zh"], rate="500")
    _campaign("Wrong niche", targets=[("niche", "tech")], category="tech")
    _campaign("Loose fit", category="food")
    _campaign(
        "Perfect",
        targets=[("niche", "beauty"), ("region", "CN"), ("language", "zh"), ("tier", "micro")],
    )
    _campaign("Same category", category="beauty", price_min=80_000, price_max=90_000)
    html = client.get("/campaigns").get_data(as_text=True)
    assert _titles(html) == ["Perfect", "Same category", "Loose fit", "Wrong niche"]
    perfect = html.split("Perfect")[1].split("</article>")[0]
    for reason in (
        "matches your niche: Beauty",
        "matches your region: China",
        "matches your language: 中文",
        "matches your tier: Micro",
        "your rate fits the price range",
    ):
        assert reason in perfect, reason
    assert "in your niche: Beauty" in html.split("Same category")[1].split("</article>")[0]


def test_visitors_see_open_campaigns_and_a_sign_in_prompt(client):
    campaign = _campaign("Public")
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Sign in as a KOL to bid" in html and "Public" in html


# --- invitations ----------------------------------------------------------------------------


def test_brand_invites_a_kol_once_and_only_that_kol_sees_it(client):
    kol = _kol()
    other = _kol()
    brand = make_user("brand")
    campaign = _campaign("Invite me", brand_id=brand.id)
    sign_in(client, brand)
    url = f"/kols/{kol.id}/invite"
    from tests.conftest import post_form

    data = {"campaign_id": campaign.id, "message": "You'd be great <b>here</b>"}
    assert post_form(client, url, data).status_code == 302
    again = post_form(client, url, data)
    assert again.status_code == 409 and "already invited" in again.get_data(as_text=True)
    client.delete_cookie("session")
    sign_in(client, kol)
    assert "1 new" in client.get("/campaigns").get_data(as_text=True)
    html = client.get("/campaigns/invitations").get_data(as_text=True)
    assert "Invite me" in html and "&lt;b&gt;here&lt;/b&gt;" in html
    assert "1 new" not in client.get("/campaigns").get_data(as_text=True)
    client.delete_cookie("session")
    sign_in(client, other)
    assert "Invite me" not in client.get("/campaigns/invitations").get_data(as_text=True)


def test_invitations_only_to_own_open_campaigns_and_verified_kols(client):
    from tests.conftest import post_form

    kol, unverified = _kol(), _kol(verified=False)
    brand = make_user("brand")
    foreign = _campaign("Someone else's")
    draft = _campaign("Draft", brand_id=brand.id, status=S.DRAFT)
    sign_in(client, brand)
    page = f"/kols/{kol.id}/invite"
    assert post_form(client, page, {"campaign_id": foreign.id}).status_code == 422  # not a choice
    assert post_form(client, page, {"campaign_id": draft.id}).status_code == 422
    assert client.get(f"/kols/{unverified.id}/invite").status_code == 404
    assert "no open campaigns" in client.get(page).get_data(as_text=True)


# --- brand searches KOLs --------------------------------------------------------------------


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/kols/\d+">([^<]+)</a>', html)


def test_kol_search_filters_and_sorts(client):
    beauty = _kol(niches=["beauty"], region="CN", languages=["zh"], rate="300", followers=20_000)
    travel = _kol(niches=["travel"], region="JP", languages=["ja"], rate="900", followers=500_000)
    _kol(verified=False, niches=["beauty"])
    contract = make_contract(make_bid(kol=beauty), status=ContractStatus.COMPLETED)
    db.session.add(
        Rating(contract_id=contract.id, rater_id=contract.brand_id, ratee_id=beauty.id, stars=5)
    )
    db.session.commit()
    sign_in(client, make_user("brand"))
    b, t = f"KOL {beauty.id}", f"KOL {travel.id}"

    def names(query):
        return _names(client.get(f"/kols?{query}").get_data(as_text=True))

    assert set(names("")) == {b, t}  # verified only
    assert names("niche=beauty") == [b]
    assert names("tier=macro") == [t]
    assert names("followers_min=100000") == [t]
    assert names("followers_max=100000") == [b]
    assert names("region=JP") == [t]
    assert names("language=zh") == [b]
    assert names("currency=usd&price_max=500") == [b]
    assert names("rating_min=4") == [b]
    assert names("sort=followers") == [t, b]
    assert names("sort=rating") == [b, t]
    assert names("sort=relevance") == [b, t]  # a completed deal first
    html = client.get("/kols?sort=reliability").get_data(as_text=True)
    assert _names(html) == [b, t] and "not computed yet" not in html  # no scores stored yet
    assert "5.0★" in html


def test_kol_page_shows_track_record(client):
    kol = _kol()
    contract = make_contract(make_bid(kol=kol), status=ContractStatus.COMPLETED)
    db.session.add(
        Rating(contract_id=contract.id, rater_id=contract.brand_id, ratee_id=kol.id, stars=4)
    )
    db.session.commit()
    html = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert "Track record" in html and "4.0★" in html and "No published notes yet." in html


# --- a constant number of queries per page --------------------------------------------------


@contextmanager
def _counting():
    statements = []
    bind = db.session.get_bind()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(bind, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", count)


def _bulk_campaigns(n: int, brands: list[User]):
    for i in range(n):
        campaign = make_campaign(brands[i % len(brands)], title=f"Bulk {i}")
        campaign.targets = [CampaignTarget(kind="niche", value="beauty")]
    db.session.commit()


_bulk_numbers = itertools.count(1)


def _bulk_kols(n: int):
    for _ in range(n):
        i = next(_bulk_numbers)
        user = User(email=f"bulk{i}@example.com", password_hash="x", role=Role.KOL)
        db.session.add(user)
        db.session.flush()
        profile = KolProfile(
            user_id=user.id, display_name=f"Bulk {i}", verification=Verification.VERIFIED
        )
        profile.niches = [KolNiche(niche="beauty")]
        db.session.add(profile)
    db.session.commit()


@pytest.mark.parametrize("page", ["/campaigns?sort=newest", "/campaigns?sort=fits"])
def test_browse_page_costs_the_same_queries_for_5_and_50_rows(client, page):
    brands = [make_user("brand") for _ in range(3)]
    _kol(client)
    _bulk_campaigns(5, brands)
    client.get(page)
    with _counting() as few:
        html = client.get(f"{page}&per_page=50").get_data(as_text=True)
    assert len(_titles(html)) == 5
    _bulk_campaigns(45, brands)
    with _counting() as many:
        html = client.get(f"{page}&per_page=50").get_data(as_text=True)
    assert len(_titles(html)) == 50
    assert len(many) == len(few), (len(few), len(many))


def test_kol_search_costs_the_same_queries_for_5_and_50_rows(client):
    sign_in(client, make_user("brand"))
    _bulk_kols(5)
    with _counting() as few:
        html = client.get("/kols?per_page=50").get_data(as_text=True)
    assert len(_names(html)) == 5
    _bulk_kols(45)
    with _counting() as many:
        html = client.get("/kols?per_page=50").get_data(as_text=True)
    assert len(_names(html)) == 50
    assert len(many) == len(few), (len(few), len(many))


def test_brand_list_costs_the_same_queries_for_5_and_50_rows(client):
    brand = make_user("brand")
    sign_in(client, brand)
    _bulk_campaigns(5, [brand])
    with _counting() as few:
        client.get("/campaigns/mine")
    _bulk_campaigns(15, [brand])
    with _counting() as many:
        html = client.get("/campaigns/mine").get_data(as_text=True)
    assert html.count("Bulk ") >= 20
    assert len(many) == len(few)
