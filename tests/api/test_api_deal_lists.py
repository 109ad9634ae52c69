"""Issue 26: GET /api/v1/contracts and GET /api/v1/bids are kept per caller (a repeat costs no
query for the list), yet a change made by the other party, a webhook or a job shows on the
very next read; /contracts pages by cursor like /bids."""

from __future__ import annotations

from sqlalchemy import select

from app.bids.models import Offer
from app.contracts.models import ContractStatus, Deliverable, DeliverableStatus
from app.extensions import db
from tests.factories import make_api_key, make_deal, make_kol, make_user
from tests.queries import count_queries

PLUMBING = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "PRAGMA")


def _keyed(client, user):
    """GET with ``user``'s key: the answer and the list's own SQL (not the key's lookup, its
    account, its team membership or its rate-limit row)."""
    headers = {"Authorization": f"Bearer {make_api_key(user)}"}

    def get(url: str) -> tuple[dict, list[str]]:
        with count_queries() as seen:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        own = [s for s in seen if not s.startswith(PLUMBING)]
        own = [
            s
            for s in own
            if not any(t in s for t in ("api_keys", "users", "memberships", "rate_limit"))
        ]
        return response.get_json(), own

    return get


def test_a_contract_moved_by_a_webhook_shows_on_the_kols_next_read(client, cache_on):
    deal = make_deal("awaiting_funding")
    kol_reads = _keyed(client, deal.kol)
    first, built = kol_reads("/api/v1/contracts")
    assert [c["status"] for c in first["items"]] == ["awaiting_funding"] and built
    again, sql = kol_reads("/api/v1/contracts")
    assert again == first and sql == []  # kept: no query for the list
    # Stripe's webhook marks it funded: no signed-in user, neither party's own request.
    deal.contract.status = ContractStatus.FUNDED
    db.session.commit()
    after, _sql = kol_reads("/api/v1/contracts")
    assert [c["status"] for c in after["items"]] == ["funded"]


def test_a_deliverable_moved_shows_to_both_parties(client, cache_on):
    deal = make_deal("funded")
    kol_reads, brand_reads = _keyed(client, deal.kol), _keyed(client, deal.brand)
    for reads in (kol_reads, brand_reads):
        items = reads("/api/v1/contracts")[0]["items"]
        assert [d["status"] for d in items[0]["deliverable_items"]] == ["pending"]
    contract_id = deal.contract.id
    db.session.expunge_all()  # a job that loads the deliverable alone: its parties are looked up
    part = db.session.scalar(select(Deliverable).where(Deliverable.contract_id == contract_id))
    part.status = DeliverableStatus.IN_REVIEW
    db.session.commit()
    for reads in (kol_reads, brand_reads):
        items = reads("/api/v1/contracts")[0]["items"]
        assert [d["status"] for d in items[0]["deliverable_items"]] == ["in_review"]


def test_an_offer_from_the_kol_shows_on_the_brands_next_bids_read(client, cache_on):
    deal = make_deal("bid")
    brand_reads = _keyed(client, deal.brand)
    first, _sql = brand_reads("/api/v1/bids")
    assert len(first["items"][0]["offers"]) == 1
    assert brand_reads("/api/v1/bids") == (first, [])
    deal.bid.price += 5_000  # the KOL's new price, as the bid services record it
    deal.bid.offers.append(Offer.of(deal.bid, by_role="kol", message="A second look"))
    db.session.commit()
    after, _sql = brand_reads("/api/v1/bids")
    assert [o["message"] for o in after["items"][0]["offers"]][-1] == "A second look"
    assert after["items"][0]["price"] == first["items"][0]["price"] + 5_000


def test_two_callers_never_get_each_others_lists(client, cache_on):
    one, other = make_deal("funded"), make_deal("funded")
    for deal in (one, other):
        items = _keyed(client, deal.kol)("/api/v1/contracts")[0]["items"]
        assert [c["id"] for c in items] == [deal.contract.id]
    assert _keyed(client, make_user("brand"))("/api/v1/bids")[0]["items"] == []


def test_contracts_page_by_cursor(client):
    kol = make_kol(verified=True)
    ids = sorted((make_deal("funded", kol=kol).contract.id for _ in range(3)), reverse=True)
    reads = _keyed(client, kol)
    first, _sql = reads("/api/v1/contracts?per_page=2")
    assert [c["id"] for c in first["items"]] == ids[:2]
    assert (first["page"], first["total"], first["pages"]) == (1, 3, 2)
    rest, _sql = reads(f"/api/v1/contracts?per_page=2&cursor={first['next_cursor']}")
    assert [c["id"] for c in rest["items"]] == ids[2:]
    assert (rest["page"], rest["total"], rest["next_cursor"]) == (None, None, None)
    bad = client.get(
        "/api/v1/contracts?cursor=nonsense",
        headers={"Authorization": f"Bearer {make_api_key(kol)}"},
    )
    assert bad.status_code == 422
    assert "cursor" in bad.get_json()["error"]["fields"]
