"""A brand's bids list grows without bound: it reads by cursor (app/pagination.py), so
following "More" (web) or next_cursor (API) shows every bid once, most recently moved first,
even when new bids arrive between two loads."""

from __future__ import annotations

import re
from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from tests.conftest import signed_in
from tests.factories import make_api_key, make_bid, make_campaign, make_kol, make_user

MORE_RE = re.compile(r'rel="next" href="([^"]+)"')


def _bids(brand, count: int, *, minutes_ago: int = 60) -> list[int]:
    campaign = make_campaign(brand)
    ids = []
    for n in range(count):
        bid = make_bid(campaign, make_kol(verified=True))
        bid.updated_at = utcnow() - timedelta(minutes=minutes_ago + n)
        ids.append(bid.id)
    db.session.commit()
    return ids


def test_the_api_walks_a_brands_bids_by_cursor_while_new_ones_arrive(app, client):
    brand = make_user("brand")
    expected = _bids(brand, 5)
    headers = {"Authorization": f"Bearer {make_api_key(brand)}"}
    body = client.get("/api/v1/bids?per_page=2", headers=headers).get_json()
    assert body["total"] == 5  # the first numbered page keeps its count
    seen = [b["id"] for b in body["items"]]
    while body["next_cursor"]:
        _bids(brand, 1, minutes_ago=0)  # newer than every bid listed so far
        url = f"/api/v1/bids?per_page=2&cursor={body['next_cursor']}"
        body = client.get(url, headers=headers).get_json()
        assert body["total"] is None
        seen += [b["id"] for b in body["items"]]
    assert seen == expected


def test_the_bids_page_links_more_by_cursor(app, monkeypatch):
    from app.bids import queries

    brand = make_user("brand")
    expected = _bids(brand, 3)
    original = queries.bids_page
    monkeypatch.setattr(queries, "bids_page", lambda **kw: original(**kw, per_page=2))
    browser = signed_in(app, brand)
    first = browser.get("/bids").get_data(as_text=True)
    more = MORE_RE.search(first).group(1).replace("&amp;", "&")
    second = browser.get(more).get_data(as_text=True)
    assert f"/bids/{expected[2]}" in second and f"/bids/{expected[0]}" not in second
    assert not MORE_RE.search(second)
