"""Connect webhooks as Stripe sends them: connected accounts' events (they carry ``account``)
go to their own endpoint with its own secret; onboarding that ends pending enables nothing;
countries Stripe cannot open an account in are refused with a clear message."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.payments import gateway
from app.payments.emulator import sign_payload
from app.payments.models import ConnectAccount, Payout, PayoutStatus, WebhookEvent
from tests.conftest import post_form, signed_in
from tests.factories import (
    give_tax_details,
    make_bid,
    make_campaign,
    make_contract,
    make_kol,
    make_user,
)
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _endpoint(emulator, *, connect: bool):
    return next(e for e in emulator.webhooks.endpoints if e.connect is connect)


def _post(client, path: str, event: dict, secret: str):
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign_payload(body, secret), "Content-Type": "application/json"}
    return client.post(path, data=body, headers=headers)


def _events_recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


def _start_onboarding(app, kol, **form) -> tuple:
    give_tax_details(kol)  # the other half of what a payout needs (tests/paperwork)
    client = signed_in(app, kol)
    response = post_form(client, "/settings/payouts/onboard", form, page="/settings/payouts")
    return client, response


def test_account_updated_reaches_the_connect_endpoint_only(app, stripe_emulator):
    kol = make_kol(verified=True)
    account = onboard(app, kol, stripe_emulator)

    event = stripe_emulator.events("account.updated")[-1]
    assert event["account"] == account.stripe_account_id
    deliveries = [d for d in stripe_emulator.deliveries if d.event_id == event["id"]]
    connect = _endpoint(stripe_emulator, connect=True)
    assert [(d.endpoint_id, d.status) for d in deliveries] == [(connect.id, 200)]
    assert connect.secret == app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]
    assert connect.secret != app.config["STRIPE_WEBHOOK_SECRET"]
    assert account.transfers_active  # applied through /webhooks/stripe/connect


def test_platform_events_reach_the_platform_endpoint_only(app, stripe_emulator):
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol))
    fund(app, contract, brand, stripe_emulator)

    event = stripe_emulator.events("checkout.session.completed")[-1]
    assert "account" not in event
    platform = _endpoint(stripe_emulator, connect=False)
    assert {d.endpoint_id for d in stripe_emulator.deliveries if d.event_id == event["id"]} == {
        platform.id
    }


def test_events_made_under_stripe_account_belong_to_that_account(app, stripe_emulator):
    kol = make_kol(verified=True)
    account_id = onboard(app, kol, stripe_emulator).stripe_account_id

    with app.test_request_context():
        gateway.client().v1.customers.create(
            {"email": "shopper@example.com"}, {"stripe_account": account_id}
        )

    event = stripe_emulator.events("customer.created")[-1]
    assert event["account"] == account_id
    connect = _endpoint(stripe_emulator, connect=True)
    assert {d.endpoint_id for d in stripe_emulator.deliveries if d.event_id == event["id"]} == {
        connect.id
    }


def test_each_endpoint_accepts_only_its_own_secret(app, client, stripe_emulator):
    kol = make_kol(verified=True)
    _start_onboarding(app, kol)
    account_id = db.session.get(ConnectAccount, kol.id).stripe_account_id
    stripe_emulator.hold_webhooks(True)
    stripe_emulator.complete_onboarding(account_id)
    event = stripe_emulator.webhooks.take_held()[-1]
    platform_secret = app.config["STRIPE_WEBHOOK_SECRET"]
    connect_secret = app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]

    refused = _post(client, "/webhooks/stripe/connect", event, platform_secret)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "bad_signature")
    db.session.expire_all()
    assert not db.session.get(ConnectAccount, kol.id).transfers_active

    accepted = _post(client, "/webhooks/stripe/connect", event, connect_secret)
    assert accepted.get_json()["outcome"] == "processed"
    db.session.expire_all()
    assert db.session.get(ConnectAccount, kol.id).transfers_active


def test_an_event_at_the_wrong_endpoint_is_ignored_and_not_recorded(app, client, stripe_emulator):
    """A connected account's event signed for the platform endpoint (a misconfigured Dashboard):
    answered 200 "ignored", nothing applied or recorded, so the right delivery still applies."""
    kol = make_kol(verified=True)
    _start_onboarding(app, kol)
    account_id = db.session.get(ConnectAccount, kol.id).stripe_account_id
    stripe_emulator.hold_webhooks(True)
    stripe_emulator.complete_onboarding(account_id)
    event = stripe_emulator.webhooks.take_held()[-1]
    before = _events_recorded()

    wrong = _post(client, "/webhooks/stripe", event, app.config["STRIPE_WEBHOOK_SECRET"])

    assert (wrong.status_code, wrong.get_json()["outcome"]) == (200, "ignored")
    db.session.expire_all()
    assert not db.session.get(ConnectAccount, kol.id).transfers_active
    assert _events_recorded() == before
    platform_event = {**event, "id": "evt_platform_at_connect", "account": None}
    secret = app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]
    also_wrong = _post(client, "/webhooks/stripe/connect", platform_event, secret)
    assert also_wrong.get_json()["outcome"] == "ignored"
    right = _post(client, "/webhooks/stripe/connect", event, secret)
    assert right.get_json()["outcome"] == "processed"
    db.session.expire_all()
    assert db.session.get(ConnectAccount, kol.id).transfers_active


def test_the_connect_secret_can_be_rotated(app, client, stripe_emulator, monkeypatch):
    kol = make_kol(verified=True)
    _start_onboarding(app, kol)
    account_id = db.session.get(ConnectAccount, kol.id).stripe_account_id
    stripe_emulator.hold_webhooks(True)
    stripe_emulator.complete_onboarding(account_id)
    event = stripe_emulator.webhooks.take_held()[-1]
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRET", "whsec_connect_new_0001")
    monkeypatch.setitem(app.config, "STRIPE_CONNECT_WEBHOOK_SECRETS", "whsec_connect_old_0001")

    old = _post(client, "/webhooks/stripe/connect", event, "whsec_connect_old_0001")

    assert old.get_json()["outcome"] == "processed"
    other = _post(client, "/webhooks/stripe/connect", event, "whsec_someone_else")
    assert other.status_code == 400


# --- onboarding that ends pending or inactive ------------------------------------------------


def _released_payout(app, emulator, brand, kol) -> Payout:
    from app.contracts.lifecycle import mark_submitted
    from app.payments.approvals import approve_contract

    contract = make_contract(make_bid(make_campaign(brand), kol))
    fund(app, contract, brand, emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))


def test_verification_pending_holds_payouts_until_stripe_confirms(app, stripe_emulator):
    brand, kol = make_user("brand"), make_kol(verified=True)
    payout = _released_payout(app, stripe_emulator, brand, kol)
    assert payout.status == PayoutStatus.WAITING_ONBOARDING

    # The KOL submits the hosted onboarding form; Stripe is still verifying.
    client, started = _start_onboarding(app, kol)
    link = started.headers["Location"]
    path = re.sub(r"^https?://[^/]+", "", link)
    form = client.get(path)
    assert form.status_code == 200 and "Submit, verification pending" in form.text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text).group(1)
    back = client.post(path, data={"nonce": nonce, "action": "pending"})
    assert back.status_code == 303
    drain_jobs()
    db.session.expire_all()

    account = db.session.get(ConnectAccount, kol.id)
    stripe_account = stripe_emulator.get(account.stripe_account_id)
    assert stripe_account["capabilities"]["transfers"] == "pending"
    assert stripe_account["payouts_enabled"] is False
    assert account.details_submitted and not account.transfers_active
    assert db.session.get(Payout, payout.id).status == PayoutStatus.WAITING_ONBOARDING
    page = client.get("/settings/payouts").get_data(as_text=True)
    assert "Verification pending" in page and "Payouts enabled" not in page
    assert "Stripe is verifying your payout account" in client.get("/earnings").get_data(
        as_text=True
    )

    # Stripe finishes the verification: account.updated, and the waiting payout goes out.
    stripe_emulator.complete_onboarding(account.stripe_account_id, "active")
    drain_jobs()
    db.session.expire_all()
    assert db.session.get(ConnectAccount, kol.id).transfers_active
    paid = db.session.get(Payout, payout.id)
    assert paid.status == PayoutStatus.PAID and stripe_emulator.get(paid.transfer_id)
    assert "Payouts enabled" in client.get("/settings/payouts").get_data(as_text=True)


def test_onboarding_that_ends_inactive_enables_nothing(app, stripe_emulator):
    kol = make_kol(verified=True)
    _start_onboarding(app, kol)
    account_id = db.session.get(ConnectAccount, kol.id).stripe_account_id

    stripe_emulator.complete_onboarding(account_id, "inactive")

    db.session.expire_all()
    account = db.session.get(ConnectAccount, kol.id)
    assert account.details_submitted and not account.transfers_active
    requirements = stripe_emulator.get(account_id)["requirements"]
    assert requirements["disabled_reason"] == "requirements.past_due"
    assert requirements["currently_due"]


# --- countries --------------------------------------------------------------------------------


def test_a_country_stripe_cannot_open_is_refused_with_a_clear_message(app, stripe_emulator):
    kol = make_kol(verified=True)
    client = signed_in(app, kol)

    refused = post_form(
        client,
        "/settings/payouts/onboard",
        {"country": "CN"},
        page="/settings/payouts",
        follow_redirects=True,
    )

    assert refused.status_code == 200
    assert "Stripe cannot open payout accounts in China" in refused.get_data(as_text=True)
    assert db.session.get(ConnectAccount, kol.id) is None
    accepted = post_form(
        client, "/settings/payouts/onboard", {"country": "GB"}, page="/settings/payouts"
    )
    assert accepted.status_code == 303 and "/onboarding/" in accepted.headers["Location"]
    account = db.session.get(ConnectAccount, kol.id)
    assert stripe_emulator.get(account.stripe_account_id)["country"] == "GB"


def test_the_kol_region_is_the_default_country(app, stripe_emulator):
    from app.profiles.models import KolProfile

    kol = make_kol(verified=True)
    db.session.get(KolProfile, kol.id).region = "JP"
    db.session.commit()
    client = signed_in(app, kol)
    page = client.get("/settings/payouts").get_data(as_text=True)
    assert re.search(r'<option selected value="JP">|<option value="JP" selected', page)

    refused = post_form(
        client, "/settings/payouts/onboard", page="/settings/payouts", follow_redirects=True
    )

    assert "Stripe cannot open payout accounts in Japan" in refused.get_data(as_text=True)
    unknown = post_form(
        client,
        "/settings/payouts/onboard",
        {"country": "XX"},
        page="/settings/payouts",
        follow_redirects=True,
    )
    assert "Choose a country from the list." in unknown.get_data(as_text=True)
    assert db.session.get(ConnectAccount, kol.id) is None


def test_the_docs_list_exactly_the_events_each_endpoint_needs():
    """docs/payments.md is what an operator subscribes each endpoint to."""
    from pathlib import Path

    from app.payments.webhooks import HANDLERS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "payments.md").read_text()
    rows = {
        line.split("|")[1].strip(): set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", line))
        for line in docs.split("## Webhook endpoints")[1].splitlines()
        if line.startswith(("| platform |", "| Connect |"))
    }
    assert rows["Connect"] == {"account.updated"}
    assert rows["platform"] | rows["Connect"] == set(HANDLERS)
    assert not rows["platform"] & rows["Connect"]
