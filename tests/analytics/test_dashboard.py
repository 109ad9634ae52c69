"""Dashboards and the stats API: the same numbers as counting raw events, only the owner's
data, CSV safe for spreadsheets, a constant number of queries, empty states."""

import csv
import io
import random
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from app.analytics import rollups
from app.analytics.models import TrackingEvent
from app.analytics.tracking import new_click_id
from app.auth.models import Role
from app.extensions import db
from tests.analytics.support import bearer, campaign_for, event, published_note
from tests.conftest import sign_in
from tests.factories import make_api_key, make_kol, make_user


def fill(notes, n=400, seed=7):
    rng = random.Random(seed)
    now = time.time()
    batch = []
    for _ in range(n):
        note = rng.choice(notes)
        batch.append(
            event(
                note,
                kind="click" if rng.random() < 0.2 else "view",
                visitor=f"{rng.randrange(25):032x}",
                at=now - rng.random() * 5 * 86400,
                bot=rng.random() < 0.1,
            )
        )
    rollups.ingest_events(batch)
    db.session.commit()


def raw_counts(campaign_id):
    def count(*where):
        return db.session.scalar(
            select(func.count()).where(TrackingEvent.campaign_id == campaign_id, *where)
        )

    view, click = TrackingEvent.kind == "view", TrackingEvent.kind == "click"
    human = TrackingEvent.is_bot.is_(False)
    return {
        "views": count(view, human, TrackingEvent.counted.is_(True)),
        "uniques": count(view, human, TrackingEvent.new_campaign_visitor_today.is_(True)),
        "clicks": count(click, human),
        "bot_views": count(view, TrackingEvent.is_bot.is_(True)),
        "bot_clicks": count(click, TrackingEvent.is_bot.is_(True)),
    }


def brand_with_campaign(notes=3):
    brand = make_user(Role.BRAND)
    campaign = campaign_for(brand)
    made = [published_note(campaign) for _ in range(notes)]
    return brand, campaign, made


def test_dashboard_and_api_numbers_equal_counts_from_raw_events(client):
    brand, campaign, notes = brand_with_campaign()
    fill(notes)
    key = make_api_key(brand)
    client.post(
        "/api/v1/conversions",
        json={"click_id": new_click_id(notes[0].id, time.time() - 60), "order_id": "O1",
              "value": 12_345, "currency": "usd"},
        headers=bearer(key),
    )  # fmt: skip
    expected = raw_counts(campaign.id)
    visitor_days = db.session.execute(
        select(TrackingEvent.occurred_at, TrackingEvent.visitor).where(
            TrackingEvent.campaign_id == campaign.id, TrackingEvent.kind == "view",
            TrackingEvent.is_bot.is_(False), TrackingEvent.counted.is_(True),
        )
    ).all()  # fmt: skip
    # Campaign uniques: distinct visitors across the campaign's notes, per day.
    assert expected["uniques"] == len({(at.date(), v) for at, v in visitor_days})
    stats = client.get(f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(key)).json
    totals = stats["totals"]
    assert {k: totals[k] for k in expected} == expected
    assert sum(r["uniques"] for r in stats["series"]) == expected["uniques"]
    assert totals["note_uniques"] == sum(r["uniques"] for r in stats["notes"])
    assert totals["note_uniques"] > totals["uniques"]  # 25 visitors over 3 notes overlap
    assert totals["conversions"] == 1 and totals["revenue"] == 12_345
    assert sum(r["views"] for r in stats["series"]) == expected["views"]
    assert sum(r["clicks"] for r in stats["notes"]) == expected["clicks"]
    per_note = {r["note_id"]: r["views"] for r in stats["notes"]}
    for note in notes:
        assert per_note[note.id] == db.session.scalar(
            select(func.count()).where(
                TrackingEvent.note_id == note.id, TrackingEvent.kind == "view",
                TrackingEvent.is_bot.is_(False), TrackingEvent.counted.is_(True),
            )
        )  # fmt: skip
    # Spend: price + brand fee of each funded contract; CPC etc. follow from it.
    assert totals["spend"] == 3 * (50_000 + 2_500)
    assert totals["cpc"] == (totals["spend"] * 2 + totals["clicks"]) // (2 * totals["clicks"])
    sign_in(client, brand)
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)
    assert f"<dd>{expected['views']}</dd>" in html
    assert f"<dd>{expected['clicks']}</dd>" in html
    csv_text = client.get(f"/analytics/campaigns/{campaign.id}/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert sum(int(r["views"]) for r in rows) == expected["views"]


def test_a_refund_that_succeeded_is_taken_off_the_spend(client):
    from app.payments.models import Refund

    brand, campaign, notes = brand_with_campaign(notes=1)
    db.session.add(
        Refund(contract_id=notes[0].contract_id, amount=10_000, currency="usd",
               reason_code="dispute", status="succeeded", charge_id="ch_1")
    )  # fmt: skip
    db.session.commit()
    stats = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(make_api_key(brand))
    ).json
    assert stats["totals"]["spend"] == 52_500 - 10_000


def test_csv_cells_that_look_like_formulas_are_neutralised(client):
    brand, campaign, notes = brand_with_campaign(notes=1)
    notes[0].title = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    sign_in(client, brand)
    text = client.get(f"/analytics/campaigns/{campaign.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_a_brand_sees_only_its_own_campaigns(client):
    _owner, campaign, notes = brand_with_campaign(notes=1)
    other = make_user(Role.BRAND)
    sign_in(client, other)
    assert client.get(f"/analytics/campaigns/{campaign.id}").status_code == 404
    assert client.get(f"/analytics/campaigns/{campaign.id}/export.csv").status_code == 404
    assert campaign.title not in client.get("/analytics").get_data(as_text=True)
    key = make_api_key(other)
    assert (
        client.get(f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(key)).status_code == 404
    )
    assert client.get(f"/api/v1/notes/{notes[0].id}/stats", headers=bearer(key)).status_code == 404
    contract_url = f"/api/v1/contracts/{notes[0].contract_id}/stats"
    assert client.get(contract_url, headers=bearer(key)).status_code == 404


def test_a_kol_sees_only_their_notes_and_no_brand_pages(client):
    _brand, campaign, notes = brand_with_campaign(notes=2)
    fill(notes, n=60)
    author = db.session.get(type(notes[0]).__mro__[0], notes[0].id)
    from app.auth.models import User

    kol = db.session.get(User, author.kol_id)
    sign_in(client, kol)
    assert client.get(f"/analytics/campaigns/{campaign.id}").status_code == 403
    html = client.get("/analytics/media-kit").get_data(as_text=True)
    assert f"/n/{notes[0].id}-" in html and f"/n/{notes[1].id}-" not in html
    key = make_api_key(kol)
    mine = client.get(f"/api/v1/notes/{notes[0].id}/stats", headers=bearer(key))
    assert mine.status_code == 200 and mine.json["totals"]["spend"] is None
    assert client.get(f"/api/v1/notes/{notes[1].id}/stats", headers=bearer(key)).status_code == 404
    stranger = make_kol()
    assert (
        client.get(
            f"/api/v1/notes/{notes[0].id}/stats", headers=bearer(make_api_key(stranger))
        ).status_code
        == 404
    )


def test_the_shared_media_kit_shows_only_that_kols_numbers(client):
    _brand, _campaign, notes = brand_with_campaign(notes=2)
    from app.auth.models import User

    kol = db.session.get(User, notes[0].kol_id)
    sign_in(client, kol)
    from app.analytics.media_kit import create_link

    create_link(kol_id=kol.id, name="Glow Lab")
    db.session.commit()
    html = client.get("/analytics/media-kit").get_data(as_text=True)
    share = html.split('<pre class="copyable"><code>')[1].split("<")[0]
    client.get("/auth/logout")
    anonymous = client.application.test_client()
    page = anonymous.get(share.replace("http://localhost", ""))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f"/n/{notes[0].id}-" in body and f"/n/{notes[1].id}-" not in body
    assert "Spend" not in body and "Revenue" not in body
    assert anonymous.get("/k/forged-token").status_code == 404


def test_empty_states_before_any_traffic(client):
    brand, campaign, _notes = brand_with_campaign(notes=0)
    sign_in(client, brand)
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)
    assert "No traffic in this period yet" in html
    assert "No note of this campaign is published yet" in html


def count_queries(app, func_):
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine if hasattr(db.engine, "dispatch") else None
    target = engine or db.session.get_bind()
    sa_event.listen(target, "before_cursor_execute", listener)
    try:
        func_()
    finally:
        sa_event.remove(target, "before_cursor_execute", listener)
    return len(statements)


def test_dashboard_queries_do_not_grow_with_notes_or_events(app, client):
    small_brand, small, _small_notes = brand_with_campaign(notes=1)
    big_brand, big, big_notes = brand_with_campaign(notes=6)
    fill(big_notes, n=600)
    sign_in(client, small_brand)
    first = count_queries(app, lambda: client.get(f"/analytics/campaigns/{small.id}"))
    client.get("/auth/logout")
    sign_in(client, big_brand)
    second = count_queries(app, lambda: client.get(f"/analytics/campaigns/{big.id}"))
    assert first > 5 and second == first


def test_daily_and_hourly_series_cover_the_range():
    _brand, campaign, _notes = brand_with_campaign(notes=1)
    from app.analytics.queries import parse_range, stats_for

    today = datetime.now(UTC).date()
    rng = parse_range({"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()})
    assert (
        rng.granularity == "day" and len(stats_for(campaign_id=campaign.id, rng=rng)["series"]) == 7
    )
    hourly = parse_range(
        {"from": today.isoformat(), "to": today.isoformat(), "granularity": "hour"}
    )
    assert len(stats_for(campaign_id=campaign.id, rng=hourly)["series"]) == 24


def test_anomalies_are_flagged_and_still_counted(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ANALYTICS_QUIET_VIEWS", 5)
    brand, campaign, notes = brand_with_campaign(notes=3)
    quiet, botty, spiky = notes
    now = time.time()
    batch = [event(quiet, visitor=f"{i:032x}", at=now - 3600) for i in range(6)]
    batch += [event(botty, visitor=f"{i:032x}", at=now - 3600, bot=i % 2 == 0) for i in range(30)]
    batch += [event(spiky, kind="click", at=now - 3600)]
    for day in range(1, 10):
        batch += [
            event(spiky, visitor=f"{day:08x}{i:024x}", at=now - day * 86400) for i in range(2)
        ]
    batch += [event(spiky, visitor=f"{i:032x}", at=now - 60) for i in range(80)]
    rollups.ingest_events(batch)
    db.session.commit()
    sign_in(client, brand)
    stats = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(make_api_key(brand))
    ).json
    kinds = {r["note_id"]: {f["kind"] for f in r["flags"]} for r in stats["notes"]}
    assert "views_without_clicks" in kinds[quiet.id]
    assert "bot_share" in kinds[botty.id]
    assert "spike" in kinds[spiky.id] and "views_without_clicks" not in kinds[spiky.id]
    assert stats["totals"]["views"] == 6 + 15 + 18 + 80  # flagged traffic is not hidden
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Flagged traffic" in html and "High bot share" in html


@pytest.mark.postgres
def test_hourly_rollups_leave_room_for_in_place_counter_updates(app):
    """Counters of a (note, hour) row are added to many times an hour: with free space on each
    page those updates stay heap-only (HOT) and pruned in place, and the table stays compact
    without waiting for vacuum (migration 0009)."""
    from sqlalchemy import text

    from app.extensions import db

    options = db.session.scalar(
        text("SELECT reloptions FROM pg_class WHERE relname = 'analytics_hourly'")
    )
    assert "fillfactor=70" in (options or [])


def test_the_campaign_page_opens_with_its_charts_drawn_to_the_figures(client):
    brand, campaign, notes = brand_with_campaign(notes=1)
    fill(notes, n=200)
    totals = client.get(
        f"/api/v1/campaigns/{campaign.id}/stats", headers=bearer(make_api_key(brand))
    ).json["totals"]
    sign_in(client, brand)
    html = client.get(f"/analytics/campaigns/{campaign.id}").get_data(as_text=True)

    # Charts come before the table of figures.
    assert html.index("analytics-chart") < html.index("All figures")
    assert html.index('class="funnel"') < html.index("All figures")
    # The funnel's bars: views fill the track, clicks are their share of the views.
    funnel = html[html.index('aria-label="Views, clicks and conversions"') :]
    widths = [
        float(w)
        for w in re.findall(r'<rect width="([\d.]+)" height="10" fill="#(?!f3f4f6)', funnel)
    ]
    assert widths[0] == 100.0
    assert widths[1] == pytest.approx(100 * totals["clicks"] / totals["views"], abs=0.1)
    # Spend beside revenue (nothing sold: spend is the whole scale).
    spend = html[html.index('aria-label="Spend and revenue"') :]
    assert re.findall(r'<rect width="([\d.]+)" height="10" fill="#dc2626"', spend) == ["100.0"]


def test_the_dashboard_is_served_from_the_cache_for_its_brand_only_and_refreshes(app, client):
    from app import pagecache

    brand, campaign, notes = brand_with_campaign(notes=1)
    fill(notes, n=50)
    url = f"/analytics/campaigns/{campaign.id}"
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    try:
        sign_in(client, brand)
        client.get("/")  # shows "Signed in." (a page with a flash message is never cached)
        first = client.get(url).get_data(as_text=True)
        assert "Figures are at most 5 seconds old." in first
        views = re.search(r"<dt>Views</dt><dd>(\d+)</dd>", first).group(1)
        fill(notes, n=50, seed=8)  # new traffic, written by the tracking writer
        assert f"<dt>Views</dt><dd>{views}</dd>" in client.get(url).get_data(as_text=True)
        fresh = client.get(url + "?refresh=1").get_data(as_text=True)
        assert f"<dt>Views</dt><dd>{views}</dd>" not in fresh  # "Refresh now" reads afresh
        other = make_user(Role.BRAND)
        outsider = app.test_client()
        sign_in(outsider, other)
        assert outsider.get(url).status_code == 404  # never another brand's cached copy
    finally:
        app.config.pop("PAGE_CACHE")
        pagecache._store.clear()


def test_the_stats_api_shares_figures_for_a_few_seconds_but_never_with_outsiders(app, client):
    from app import pagecache

    brand, campaign, notes = brand_with_campaign(notes=1)
    fill(notes, n=50)
    url = f"/api/v1/campaigns/{campaign.id}/stats"
    headers = bearer(make_api_key(brand))
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    try:
        first = client.get(url, headers=headers).json["totals"]["views"]
        fill(notes, n=50, seed=8)
        assert client.get(url, headers=headers).json["totals"]["views"] == first
        app.config["ANALYTICS_DASHBOARD_SECONDS"] = 0  # "always fresh"
        assert client.get(url, headers=headers).json["totals"]["views"] > first
        outsider = bearer(make_api_key(make_user(Role.BRAND)))
        app.config["ANALYTICS_DASHBOARD_SECONDS"] = 5
        assert client.get(url, headers=outsider).status_code == 404
    finally:
        app.config["ANALYTICS_DASHBOARD_SECONDS"] = 5
        app.config.pop("PAGE_CACHE")
        pagecache._store.clear()


def test_the_overview_is_served_from_the_cache_for_its_brand_only_and_refreshes(app, client):
    """Issue 26: the analytics overview is kept like a campaign's dashboard (a few seconds,
    said on the page); "Refresh now" reads the figures afresh; another brand gets its own."""
    from app import pagecache

    brand, campaign, notes = brand_with_campaign(notes=1)
    fill(notes, n=50)
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()

    def views(html: str) -> str:
        row = html[html.index(campaign.title) :]
        return re.search(r"<td>(\d+)</td>", row).group(1)

    try:
        sign_in(client, brand)
        client.get("/")  # shows "Signed in." (a page with a flash message is never cached)
        first = client.get("/analytics").get_data(as_text=True)
        assert "Figures are at most 5 seconds old." in first
        fill(notes, n=50, seed=8)  # new traffic, written by the tracking writer
        assert views(client.get("/analytics").get_data(as_text=True)) == views(first)
        fresh = client.get("/analytics?refresh=1").get_data(as_text=True)
        assert int(views(fresh)) > int(views(first))
        outsider = app.test_client()
        sign_in(outsider, make_user(Role.BRAND))
        assert campaign.title not in outsider.get("/analytics").get_data(as_text=True)
    finally:
        app.config.pop("PAGE_CACHE")
        pagecache._store.clear()
