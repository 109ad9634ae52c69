"""A webhook signature dated in the future is refused beyond the same tolerance as one in the
past (Stripe's SDK bounds only the past), on both endpoints; clock skew within it is fine."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.payments.emulator import sign_payload
from app.payments.gateway import WEBHOOK_TOLERANCE
from app.payments.models import ConnectAccount, WebhookEvent
from tests.conftest import post_form, signed_in
from tests.factories import make_deal, make_kol
from tests.payments.money_support import fund

pytestmark = pytest.mark.usefixtures("books_balance")

AHEAD = WEBHOOK_TOLERANCE + 60  # a signature dated this far ahead is refused
SKEW = WEBHOOK_TOLERANCE - 60  # clocks this far apart still agree


def _post(client, path: str, event: dict, secret: str, ahead: int, extra: str = ""):
    body = json.dumps(event).encode()
    signature = sign_payload(body, secret, timestamp=int(time.time()) + ahead) + extra
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    return client.post(path, data=body, headers=headers)


def _recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


def _refused_as_future(response) -> bool:
    error = response.get_json()["error"]
    return (response.status_code, error["code"]) == (400, "bad_signature") and (
        "future" in error["message"]
    )


def test_platform_endpoint_refuses_a_signature_from_the_future(app, client, stripe_emulator):
    deal = make_deal()
    stripe_emulator.hold_webhooks(True)
    fund(app, deal.contract, deal.brand, stripe_emulator)
    event = stripe_emulator.events("checkout.session.completed")[-1]
    secret = app.config["STRIPE_WEBHOOK_SECRET"]

    assert _refused_as_future(_post(client, "/webhooks/stripe", event, secret, AHEAD))
    # A later "t=" does not mask the first one, which is the one that was signed.
    masked = _post(client, "/webhooks/stripe", event, secret, AHEAD, f",t={int(time.time())}")
    assert _refused_as_future(masked)
    db.session.expire_all()
    assert db.session.get(Contract, deal.contract.id).status == ContractStatus.AWAITING_FUNDING
    assert _recorded() == 0

    accepted = _post(client, "/webhooks/stripe", event, secret, SKEW)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contract, deal.contract.id).status == ContractStatus.FUNDED
    # The replay guard is unchanged: the same event again is recorded once.
    assert _post(client, "/webhooks/stripe", event, secret, 0).status_code == 200
    assert _recorded() == 1


def test_connect_endpoint_refuses_a_signature_from_the_future(app, client, stripe_emulator):
    kol = make_kol(verified=True)
    post_form(signed_in(app, kol), "/settings/payouts/onboard", {}, page="/settings/payouts")
    account_id = db.session.get(ConnectAccount, kol.id).stripe_account_id
    stripe_emulator.hold_webhooks(True)
    stripe_emulator.complete_onboarding(account_id)
    event = stripe_emulator.webhooks.take_held()[-1]
    secret = app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]

    assert _refused_as_future(_post(client, "/webhooks/stripe/connect", event, secret, AHEAD))
    db.session.expire_all()
    assert not db.session.get(ConnectAccount, kol.id).transfers_active
    assert _recorded() == 0

    accepted = _post(client, "/webhooks/stripe/connect", event, secret, SKEW)
    assert accepted.get_json()["outcome"] == "processed"
    db.session.expire_all()
    assert db.session.get(ConnectAccount, kol.id).transfers_active
