"""A brand's webhook receiver follows the whole deal: the brand adds its endpoint on the
Webhooks page, and a real HTTP server of the test (verifying each Standard Webhooks signature
with the tests' own verifier) gets the bid, the funding, the note submitted, approved and
published and the payout, each once and signed. It is down when the note is approved: those
events wait on the endpoint's page (each tried at once, the payout's too, as the transfer job
that staged it ran inline; refused; retrying) and arrive with the same webhook-id once it is back
and the scheduler's outbox sweep and webhook retry steps run (journey_ops.py, the clock moved
a minute on, past the sweep's 30 s and the first 5 s backoff, as tests/webhooks moves it; no
sleeping)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import steps
from tests.browser.server import WebhookReceiver

TITLE = "Hook & Co spring serum"
NOTE = "Spring serum, three weeks in"
WHOLE_DEAL = ["bid.received", "contract.funded", "note.submitted",
              "note.approved", "note.published", "payout.paid"]  # fmt: skip
WHILE_DOWN = {"note.approved", "note.published", "payout.paid"}


@pytest.fixture
def receiver():
    hooks = WebhookReceiver()
    hooks.start()
    yield hooks
    hooks.stop()


def test_brand_webhooks(journey, receiver):
    brand = journey.actor()
    steps.register(brand, "brand", "Hook & Co", "brand@webhooks.example.com")
    brand.goto("/webhooks")
    brand.fill("#url", receiver.url)
    for box in brand.locator("input[name=events]").all():
        box.check()
    steps.submit(brand, "Add endpoint")
    steps.flash(brand, "Endpoint added.")
    endpoint_page = brand.url.removeprefix(journey.server.base_url)
    receiver.secret = brand.locator("code.secret-value").text_content().strip()
    assert receiver.secret.startswith("whsec_")
    journey.shot(brand, "endpoint-added")

    steps.create_campaign(brand, TITLE, journey.shop.url + "/serum")
    kol, _name = steps.ready_kol(journey)
    contract_id = steps.brand_accepts(brand, steps.bid(kol, TITLE, "400"))
    steps.fund(brand, contract_id)
    expect(brand.locator("h1")).to_contain_text("the contract is funded")
    steps.onboard(kol)
    note_id = steps.write_note(kol, contract_id, NOTE, "Glow every morning. @hookco #ad")
    assert receiver.types() == WHOLE_DEAL[:3]

    # The receiver goes down; the approval's events fail and wait for their retry.
    receiver.stop()
    steps.approve(brand, note_id)
    expect(brand.locator("main")).to_contain_text("Approved → Published")
    steps.until(brand, endpoint_page, "tbody", "Payout paid to the KOL")
    delivered = brand.locator("tbody tr", has=brand.locator(".badge", has_text="Delivered"))
    expect(delivered).to_have_count(3)
    waiting = brand.locator("tbody tr", has_not=brand.locator(".badge", has_text="Delivered"))
    expect(waiting).to_have_count(3)
    refused = brand.locator("tbody tr", has=brand.locator("li", has_text="ConnectionError"))
    expect(refused).to_have_count(3)  # approved, published, paid: tried at once, refused
    expect(refused.locator(".badge")).to_have_text(["Retrying"] * 3)
    waiting_ids = set(waiting.locator("td:first-child .muted").all_inner_texts())
    journey.shot(brand, "deliveries-waiting")

    # Back up; the scheduler's steps a minute later: the outbox sweep, the due retries.
    receiver.start()
    ran = steps.server_ops(journey, "scheduler", 60, "jobs-sweep", "webhooks-retry")
    assert ran["webhooks-retry"] == 3, ran
    brand.goto(endpoint_page)
    expect(delivered).to_have_count(6)
    expect(refused).to_have_count(3)
    for row in refused.all():
        expect(row.locator("ol li")).to_have_count(2)  # refused, then delivered
    journey.shot(brand, "deliveries-delivered")

    # Every event of the deal, once each, every signature good; the late ones kept their id.
    assert sorted(receiver.types()) == sorted(WHOLE_DEAL), receiver.types()
    assert all(r["valid"] for r in receiver.received)
    assert len({r["id"] for r in receiver.received}) == len(WHOLE_DEAL)
    late = {r["id"] for r in receiver.received if r["event"]["type"] in WHILE_DOWN}
    assert late == waiting_ids
    by_type = {r["event"]["type"]: r["event"]["data"] for r in receiver.received}
    assert by_type["contract.funded"]["contract_id"] == contract_id
    assert by_type["note.published"]["note_id"] == note_id
    assert re.fullmatch(r"\d+", str(by_type["payout.paid"]["amount"]))


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
