"""Several deliverables (issue 21): shares that sum to the price, planned on the campaign, dated
on the bid, built on acceptance, and every existing contract migrated to one deliverable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app import create_app
from app.bids.models import Bid
from app.campaigns.models import Campaign, ContentFormat
from app.contracts.deliverables import deliverables_of, fee_parts, split_shares
from app.contracts.models import Contract, ContractStatus, DeliverableKind, DeliverableStatus
from app.extensions import db
from app.notes.models import Note
from tests.bids.support import delivery_for, web_accept
from tests.campaigns.helpers import api_json, form_data
from tests.conftest import post_form, signed_in
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_deal,
    make_kol,
    make_user,
)

BEFORE = "23301c2d3e28"


@pytest.mark.parametrize("count", range(1, 11))
def test_shares_sum_exactly_to_the_price_with_the_remainder_last(count):
    for price in (0, 1, 2, 99, 100, 33_333, 100_000, 999_999, 12_345_679):
        shares = split_shares(price, count)
        assert sum(shares) == price and len(shares) == count
        assert len(set(shares[:-1])) <= 1 and 0 <= shares[-1] - shares[0] < count
        for fee in (0, 1, 1_999, 5_000, price // 10):
            parts = fee_parts(fee, shares)
            assert sum(parts) == fee and all(part >= 0 for part in parts)


def test_the_brand_plans_the_deliverables_on_the_campaign_form(client):
    brand = make_user("brand")
    client = signed_in(client.application, brand)
    response = post_form(client, "/campaigns/new", form_data(deliverable_kinds="note, Video"))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.brand_id == brand.id))
    assert campaign.deliverable_plan == ["note", "video"]

    bad = post_form(client, "/campaigns/new", form_data(deliverable_kinds="note, podcast"))
    assert bad.status_code == 422
    assert "each “note” or “video”" in bad.get_data(as_text=True)


def test_the_campaign_api_declares_and_checks_the_deliverables(client):
    brand = make_user("brand")
    headers = {"Authorization": f"Bearer {make_api_key(brand)}"}
    body = api_json(deliverable_kinds=["note", "note", "video"])
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["deliverable_kinds"] == ["note", "note", "video"]

    bad = client.post(
        "/api/v1/campaigns",
        json={**body, "deliverable_kinds": ["note", "podcast"]},
        headers=headers,
    )
    assert bad.status_code == 422 and "deliverable_kinds" in str(bad.get_json())
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "deliverable_items" in spec["components"]["schemas"]["Contract"]["properties"]


def test_a_bid_dates_each_deliverable_and_acceptance_builds_them(app):
    brand, kol = make_user("brand"), make_kol(verified=True)
    campaign = make_campaign(brand, deliverable_kinds="note,video", notes_wanted=3)
    kol_client, brand_client = signed_in(app, kol), signed_in(app, brand)
    first = (campaign.delivery_deadline - timedelta(days=20)).date().isoformat()

    shown = kol_client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Image note · Video note" in shown
    page = kol_client.get(f"/campaigns/{campaign.id}/bid").get_data(as_text=True)
    assert "asks for 2 deliverables" in page
    url = f"/campaigns/{campaign.id}/bid"
    data = {
        "price": "500.01",
        "pitch": "My audience loves skincare.",
        "proposed_delivery": delivery_for(campaign),
        "deliverable_due_dates": "2001-01-01",
        "confirm_price": "500.01",
    }
    refused = post_form(kol_client, url, data)
    assert refused.status_code == 422 and "Due dates cannot be in the past." in refused.get_data(
        as_text=True
    )
    sent = post_form(kol_client, url, {**data, "deliverable_due_dates": first})
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    bid = db.session.scalar(select(Bid).where(Bid.kol_id == kol.id))
    assert web_accept(brand_client, bid).status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.bid_id == bid.id))
    parts = deliverables_of(contract.id)
    assert [(p.position, p.kind) for p in parts] == [
        (1, DeliverableKind.NOTE),
        (2, DeliverableKind.VIDEO),
    ]
    assert [p.due_date.isoformat() for p in parts] == [first, bid.proposed_delivery.isoformat()]
    assert sum(p.share for p in parts) == contract.price == 50_001
    assert [p.share for p in parts] == [25_000, 25_001]
    assert all(p.status == DeliverableStatus.PENDING for p in parts)


def test_a_single_note_contract_is_one_deliverable_carrying_its_terms():
    deal = make_deal("funded", content_format=ContentFormat.VIDEO)
    (part,) = deliverables_of(deal.contract.id)
    assert (part.position, part.kind, part.share) == (1, DeliverableKind.VIDEO, deal.contract.price)
    assert part.due_date == deal.contract.due_date and part.status == DeliverableStatus.PENDING


def test_migration_makes_each_existing_contract_one_deliverable(tmp_path):
    from tests.notes.support import published_note, submitted_note

    url = f"sqlite:///{tmp_path / 'deliverables.sqlite3'}"
    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path))
    runner = fresh.test_cli_runner()
    with fresh.app_context():
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        brand = make_user("brand")
        waiting = make_contract(make_bid(make_campaign(brand), make_kol(verified=True)))
        funded = make_contract(
            make_bid(make_campaign(brand), make_kol(verified=True)), status=ContractStatus.FUNDED
        )
        in_review = submitted_note(funded).contract_id
        done = published_note(
            make_contract(
                make_bid(
                    make_campaign(brand, content_format=ContentFormat.VIDEO),
                    make_kol(verified=True),
                ),
                status=ContractStatus.FUNDED,
            ),
            video_url="https://video.example/a.mp4",
        ).contract_id
        ids = {"waiting": waiting.id, "in_review": in_review, "done": done}
        db.session.remove()
        result = runner.invoke(args=["db", "downgrade", BEFORE])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        rows = {
            row.contract_id: row
            for row in db.session.execute(
                text(
                    "SELECT contract_id, position, kind, share, status, due_date FROM deliverables"
                )
            )
        }
        prices = dict(db.session.execute(text("SELECT id, price FROM contracts")).all())
        assert {rows[i].status for i in ids.values()} == {"pending", "in_review", "approved"}
        assert rows[ids["waiting"]].status == "pending"
        assert rows[ids["in_review"]].status == "in_review"
        assert (rows[ids["done"]].status, rows[ids["done"]].kind) == ("approved", "video")
        assert all(rows[c].share == prices[c] and rows[c].position == 1 for c in ids.values())
        linked = db.session.execute(
            text(
                "SELECT n.contract_id, d.contract_id FROM notes n "
                "JOIN deliverables d ON d.id = n.deliverable_id"
            )
        ).all()
        assert sorted(linked) == sorted([(ids["in_review"],) * 2, (ids["done"],) * 2])
        assert db.session.scalar(select(Note.id).where(Note.deliverable_id.is_(None))) is None
        db.session.remove()
