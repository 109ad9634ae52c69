"""A validly signed body that is no event is a logged 400, never a 500; an event about an
object Stripe does not have is a 2xx "ignored" that changes nothing (a 503 would be retried
for days); a dispute Stripe does not confirm freezes nothing. Only Stripe being unreachable
is a 503."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.payments.emulator import sign_payload
from app.payments.models import Chargeback, Funding, WebhookEvent
from tests.factories import make_deal
from tests.payments.money_support import fund, funding_of

pytestmark = pytest.mark.usefixtures("books_balance")


def _post(app, client, body: bytes, path: str = "/webhooks/stripe"):
    connect = path.endswith("/connect")
    secret = app.config["STRIPE_CONNECT_WEBHOOK_SECRET" if connect else "STRIPE_WEBHOOK_SECRET"]
    signature = sign_payload(body, secret)
    return client.post(path, data=body, headers={"Stripe-Signature": signature})


def _event(event_type: str, obj: object, event_id: str = "evt_robust_1", **extra) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "data": {"object": obj}, **extra}).encode()  # fmt: skip


def _recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


MALFORMED = {
    "not JSON": b"this is not json",
    "a JSON list": b'[{"id": "evt_1", "type": "payment_intent.succeeded"}]',
    "JSON null": b"null",
    "a JSON string": b'"evt_1"',
    "no id": json.dumps({"type": "payment_intent.succeeded",
                         "data": {"object": {"id": "pi_1"}}}).encode(),
    "no data": json.dumps({"id": "evt_no_data", "type": "payment_intent.succeeded"}).encode(),
    "data.object a string": _event("payment_intent.succeeded", "pi_123"),
    "data a list": json.dumps({"id": "evt_1", "type": "x.y", "data": [1]}).encode(),
    "an object id that is a number": _event("checkout.session.completed", {"id": 5}),
    "a handled object without id": _event("transfer.reversed", {"amount": 5}),
    "an id longer than any of Stripe's": _event("x.y", {"id": "o_1"}, event_id="evt_" + "x" * 200),
    "a type that is a list": json.dumps({"id": "evt_1", "type": ["a"],
                                         "data": {"object": {}}}).encode(),
    "an account that is an object": _event("account.updated", {"id": "acct_1"},
                                           account={"id": "acct_1"}),
}  # fmt: skip


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("path", ["/webhooks/stripe", "/webhooks/stripe/connect"])
def test_a_signed_body_that_is_no_event_is_a_logged_400(app, client, body, path, caplog):
    with caplog.at_level(logging.WARNING, logger="app.payments.routes"):
        response = _post(app, client, body, path)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_event"
    assert any("no readable event" in r.getMessage() for r in caplog.records)
    assert _recorded() == 0


def test_odd_fields_inside_a_well_formed_event_are_no_error(app, client, stripe_emulator):
    deal = make_deal()
    contract = deal.contract
    odd = {"id": "cs_odd", "metadata": "funding_id=1", "payment_intent": ["pi_1"],
           "payment_status": "paid"}  # fmt: skip

    response = _post(app, client, _event("checkout.session.completed", odd))

    assert (response.status_code, response.get_json()["outcome"]) == (200, "processed")
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING


@pytest.mark.parametrize(
    ("event_type", "path"),
    [("payment_intent.succeeded", "/webhooks/stripe"),
     ("checkout.session.completed", "/webhooks/stripe"),
     ("transfer.reversed", "/webhooks/stripe"),
     ("account.updated", "/webhooks/stripe/connect")],
)  # fmt: skip
def test_an_event_about_an_object_stripe_does_not_have_is_ignored(
    app, client, stripe_emulator, event_type, path
):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    fund(app, contract, brand, stripe_emulator)  # a real funding, so its id is a real one
    stripe_emulator.hold_webhooks(True)
    funding = funding_of(contract.id)
    metadata = {"funding_id": str(funding.id), "contract_id": str(contract.id)}
    objects = {
        "payment_intent.succeeded": {"id": "pi_stripe_never_made", "metadata": metadata},
        "checkout.session.completed": {"id": "cs_x", "payment_intent": "pi_stripe_never_made",
                                       "payment_status": "paid", "metadata": metadata},
        "transfer.reversed": {"id": "tr_stripe_never_made", "metadata": {"payout_id": "1"}},
        "account.updated": {"id": "acct_stripe_never_made"},
    }  # fmt: skip
    extra = {"account": "acct_stripe_never_made"} if path.endswith("/connect") else {}
    before = _recorded()

    response = _post(app, client, _event(event_type, objects[event_type], **extra), path)

    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    assert _recorded() == before  # nothing recorded: it changed nothing
    db.session.expire_all()
    assert db.session.get(Funding, funding.id).payment_intent_id != "pi_stripe_never_made"


def test_an_unpaid_funding_is_not_booked_from_an_intent_stripe_does_not_have(
    app, client, stripe_emulator
):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    stripe_emulator.hold_webhooks(True)
    fund(app, contract, brand, stripe_emulator)  # paid at Stripe, its webhooks held
    funding = funding_of(contract.id)
    metadata = {"funding_id": str(funding.id), "contract_id": str(contract.id)}

    response = _post(app, client, _event("payment_intent.succeeded",
                                         {"id": "pi_forged", "metadata": metadata}))  # fmt: skip

    assert response.get_json()["outcome"] == "ignored"
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING
    assert _recorded() == 0


def test_stripe_unreachable_is_still_a_503_and_the_retry_applies(app, client, stripe_emulator):
    deal = make_deal()
    brand, contract = deal.brand, deal.contract
    stripe_emulator.hold_webhooks(True)
    fund(app, contract, brand, stripe_emulator)
    event = next(e for e in stripe_emulator.webhooks.take_held()
                 if e["type"] == "payment_intent.succeeded")  # fmt: skip
    body = json.dumps(event).encode()

    stripe_emulator.faults.fail_next(1, status=500)
    assert _post(app, client, body).status_code == 503
    stripe_emulator.faults.lose_next_response()
    assert _post(app, client, body).status_code == 503
    assert _recorded() == 0

    assert _post(app, client, body).get_json()["outcome"] == "processed"
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.FUNDED


# --- disputes ---------------------------------------------------------------------------------


def _funded_deal(app, emulator) -> tuple[Contract, str]:
    contract = make_deal("funded", app=app, emulator=emulator).contract
    assert contract.status == ContractStatus.FUNDED
    return contract, funding_of(contract.id).charge_id


def _dispute_event(dispute_id: str, charge_id: str, event_id: str) -> bytes:
    dispute = {"id": dispute_id, "object": "dispute", "amount": 52_500, "currency": "usd",
               "charge": charge_id, "status": "needs_response"}  # fmt: skip
    return _event("charge.dispute.created", dispute, event_id=event_id)


def test_a_dispute_stripe_does_not_have_freezes_nothing(app, client, stripe_emulator):
    contract, charge_id = _funded_deal(app, stripe_emulator)

    response = _post(app, client, _dispute_event("dp_forged", charge_id, "evt_forged"))

    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.FUNDED
    assert db.session.scalar(select(func.count()).select_from(Chargeback)) == 0
    assert db.session.get(WebhookEvent, "evt_forged") is None


def test_a_dispute_about_another_charge_freezes_nothing(app, client, stripe_emulator):
    disputed, disputed_charge = _funded_deal(app, stripe_emulator)
    other, other_charge = _funded_deal(app, stripe_emulator)
    dispute = stripe_emulator.create_dispute(disputed_charge)  # real, delivered: freezes one
    db.session.expire_all()
    assert db.session.get(Contract, disputed.id).status == ContractStatus.FROZEN

    forged = _post(app, client, _dispute_event(dispute["id"], other_charge, "evt_other_charge"))

    assert forged.get_json()["outcome"] == "ignored"
    db.session.expire_all()
    assert db.session.get(Contract, other.id).status == ContractStatus.FUNDED
    chargebacks = db.session.scalars(select(Chargeback)).all()
    assert [(c.stripe_dispute_id, c.contract_id) for c in chargebacks] == [
        (dispute["id"], disputed.id)
    ]
