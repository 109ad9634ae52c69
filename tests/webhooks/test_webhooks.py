"""Outbound webhooks (issue 22): a brand's endpoint receives signed events for its deals,
through the outbox; a receiver that is down gets them when it comes back; one that keeps
failing is disabled and the brand told; our own network is never a destination."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.bids.services import create_bid
from app.db_types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.jobs import run_inline_jobs
from app.webhooks.delivery import BACKOFF, retry_due
from app.webhooks.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.services import EVENTS, create_endpoint, emit
from app.webhooks.signing import sign
from tests.conftest import post_form, sign_in
from tests.factories import make_campaign, make_deal, make_kol, make_user
from tests.webhooks.receiver import mount

URL = "https://hooks.brand.example/kol"


def _endpoint(brand, events=tuple(EVENTS)) -> WebhookEndpoint:
    endpoint = create_endpoint(brand_id=brand.id, url=URL, events=list(events))
    db.session.commit()
    return endpoint


def _retry_all_due(after: timedelta) -> None:
    retry_due(now=utcnow() + after)
    db.session.commit()
    run_inline_jobs()


def test_the_signature_is_the_specifications_own_example():
    """The test vector of the Standard Webhooks specification's reference libraries."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_the_receiver_gets_signed_events_for_the_whole_deal(app, monkeypatch):
    brand, kol = make_user("brand"), make_kol(verified=True)
    receiver = mount(monkeypatch, _endpoint(brand).secret)
    campaign = make_campaign(brand)
    bid = create_bid(campaign_id=campaign.id, kol_id=kol.id, price=50_000, pitch="Hi",
                     proposed_delivery=(campaign.delivery_deadline - timedelta(days=2)).date())  # fmt: skip
    db.session.commit()
    run_inline_jobs()
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    make_deal("published", brand=brand, app=app, emulator=emulator, onboarded=True)

    events = [r["event"]["type"] for r in receiver.delivered()]
    assert {"bid.received", "contract.funded", "note.submitted", "note.approved",
            "note.published", "payout.paid"} <= set(events)  # fmt: skip
    assert all(r["valid"] for r in receiver.received)  # every signature checks out
    assert len({r["id"] for r in receiver.received}) == len(receiver.received)  # one id each
    first = receiver.delivered()[0]["event"]
    assert first["type"] == "bid.received" and first["data"]["bid_id"] == bid.id
    assert first["data"]["price"] == 50_000 and first["data"]["currency"] == "usd"


def test_only_chosen_events_and_never_the_same_event_twice(app, monkeypatch):
    brand = make_user("brand")
    receiver = mount(monkeypatch, _endpoint(brand, events=["payout.paid"]).secret)
    assert emit(brand_id=brand.id, event_type="bid.received", key="bid:1", data={}) == 0
    assert emit(brand_id=brand.id, event_type="payout.paid", key="payout:1", data={}) == 1
    assert emit(brand_id=brand.id, event_type="payout.paid", key="payout:1", data={}) == 0
    db.session.commit()
    run_inline_jobs()
    assert [r["event"]["type"] for r in receiver.received] == ["payout.paid"]


def test_a_receiver_that_is_down_gets_the_event_after_it_comes_back(app, monkeypatch):
    brand = make_user("brand")
    receiver = mount(monkeypatch, _endpoint(brand).secret)
    receiver.down = True
    emit(brand_id=brand.id, event_type="contract.funded", key="contract:7", data={"id": 7})
    db.session.commit()
    run_inline_jobs()
    delivery = db.session.query(WebhookDelivery).one()
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.tries[0].error == "ConnectionError"
    _retry_all_due(after=timedelta(seconds=1))  # not due yet: backoff
    assert db.session.get(WebhookDelivery, delivery.id).attempts == 1
    receiver.down = False
    _retry_all_due(after=BACKOFF[0])
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert delivery.status == "delivered" and delivery.attempts == 2
    [got] = receiver.delivered()
    assert got["valid"] and got["id"] == delivery.message_id  # the same webhook-id as before


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_brand_told(app, monkeypatch):
    from tests.notifications.support import told

    brand = make_user("brand")
    endpoint = _endpoint(brand)
    receiver = mount(monkeypatch, endpoint.secret)
    receiver.status = 503
    emit(brand_id=brand.id, event_type="note.submitted", key="note:1", data={})
    db.session.commit()
    run_inline_jobs()
    waited = timedelta(0)
    for wait in BACKOFF:  # about a day of retries
        waited += wait
        _retry_all_due(after=waited)
    db.session.expire_all()
    delivery = db.session.query(WebhookDelivery).one()
    assert delivery.status == "failed" and delivery.attempts == len(BACKOFF) + 1
    assert sum(BACKOFF, timedelta(0)) >= timedelta(hours=23)
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.enabled and endpoint.disabled_reason == "failing"
    assert [n.kind for n in told(brand)] == ["webhook.disabled"]
    assert emit(brand_id=brand.id, event_type="note.submitted", key="note:2", data={}) == 0


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/", "http://localhost/admin", "http://169.254.169.254/latest/",
     "http://10.1.2.3/hook", "http://[::1]/hook", "https://192.168.0.10/x", "ftp://x.example/"],
)  # fmt: skip
def test_our_own_network_is_refused_in_production(app, monkeypatch, url):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    brand = make_user("brand")
    with pytest.raises(ValidationFailed) as refused:
        create_endpoint(brand_id=brand.id, url=url, events=["bid.received"])
    assert "url" in refused.value.fields
    public = create_endpoint(brand_id=brand.id, url="https://93.184.216.34/hook",
                             events=["bid.received"])  # fmt: skip
    assert public.url == "https://93.184.216.34/hook"


def test_the_brand_adds_an_endpoint_and_sees_each_attempt(client, monkeypatch):
    brand = make_user("brand")
    sign_in(client, brand)
    bad = post_form(client, "/webhooks", {"url": "not a url", "events": []})
    assert bad.status_code == 422 and "Choose at least one event" in bad.get_data(as_text=True)
    added = post_form(client, "/webhooks", {"url": URL, "events": ["bid.received"]})
    endpoint = db.session.query(WebhookEndpoint).filter_by(brand_id=brand.id).one()
    assert added.headers["Location"] == f"/webhooks/{endpoint.id}"
    receiver = mount(monkeypatch, endpoint.secret)
    receiver.status = 500
    emit(brand_id=brand.id, event_type="bid.received", key="bid:9", data={"bid_id": 9})
    db.session.commit()
    run_inline_jobs()
    html = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert endpoint.secret in html and "HTTP 500" in html and "Retrying" in html
    other = make_user("brand")
    client.delete_cookie("session")
    sign_in(client, other)
    assert client.get(f"/webhooks/{endpoint.id}").status_code == 404


def test_orders_and_commission_settlements_reach_the_receiver(app, monkeypatch):
    """Outcome terms (issue 21): an attributed order and the settlement that pays for it."""
    from app.outcomes.settlement import settle_contract
    from tests.outcomes.support import click, later, order, outcome_deal

    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    deal = outcome_deal(app, emulator, outcome_cap=30_000)
    receiver = mount(monkeypatch, _endpoint(deal.brand).secret)
    contract = deal.contract
    order(deal.brand, "W-1", 10_000, later(contract, hours=2),
          click_id=click(deal.note, later(contract, hours=1)))  # fmt: skip
    db.session.commit()
    settle_contract(contract_id=contract.id, now=later(contract, days=7))
    db.session.commit()
    run_inline_jobs()
    by_type = {r["event"]["type"]: r for r in receiver.delivered()}
    assert by_type["conversion.attributed"]["event"]["data"]["order_id"] == "W-1"
    settled = by_type["settlement.made"]["event"]["data"]
    assert settled["contract_id"] == contract.id and settled["released"] == 1_000
    assert all(r["valid"] for r in receiver.received)
