from __future__ import annotations

import json
import threading

import pytest
import stripe
from emulator_support import HOSTED, NOW, session_params
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from app.payments.emulator import DECLINE_CARD, EmulatorError, create_wsgi_app


def test_session_is_created_in_stripe_wire_format(client):
    session = client.v1.checkout.sessions.create(session_params(client_reference_id="c7"))

    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.url == f"{HOSTED}/checkout/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (10_000, "usd")
    assert session.metadata.to_dict() == {"contract": "7"}
    assert session.client_reference_id == "c7"
    assert session.created == NOW and session.livemode is False
    assert session.payment_intent is None


def test_paying_completes_the_session_and_records_the_charge(client, emulator):
    session = client.v1.checkout.sessions.create(session_params(amount=10_000))

    emulator.pay_checkout_session(session.id)

    session = client.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert intent.status == "succeeded" and intent.amount_received == 10_000
    assert intent.transfer_group == "contract_7"
    assert intent.metadata.to_dict() == {"contract": "7"}
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.transfer_group) == ("succeeded", True, "contract_7")
    txn = client.v1.balance_transactions.retrieve(charge.balance_transaction)
    assert (txn.type, txn.amount, txn.fee, txn.net) == ("charge", 10_000, 320, 9_680)
    assert txn.source == charge.id and txn.fee_details[0].type == "stripe_fee"
    types = [event["type"] for event in emulator.events()]
    assert types == ["charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]


def test_a_declined_card_leaves_the_session_open_and_can_be_retried(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())

    with pytest.raises(EmulatorError) as declined:
        emulator.pay_checkout_session(session.id, card=DECLINE_CARD)

    assert (declined.value.type, declined.value.code) == ("card_error", "card_declined")
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert session.status == "open"
    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"
    assert emulator.events("payment_intent.payment_failed")
    assert client.v1.balance.retrieve().available[0].amount == 0

    emulator.pay_checkout_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert paid.payment_status == "paid" and paid.payment_intent == intent.id


def test_hosted_page_shows_the_amount_and_declines(client, web, emulator):
    session = client.v1.checkout.sessions.create(session_params(amount=12_345))

    page = web.get(f"/checkout/{session.id}")
    assert page.status_code == 200
    assert "123.45 USD" in page.text and 'name="card"' in page.text

    declined = web.post(f"/checkout/{session.id}", data={"card": "4000 0000 0000 0002"})
    assert declined.status_code == 200
    assert "Your card was declined." in declined.text
    assert emulator.events("payment_intent.payment_failed")
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "unpaid"


def test_hosted_page_pays_and_redirects_to_the_success_url(client, web):
    session = client.v1.checkout.sessions.create(session_params(customer_email="b@brand.test"))

    paid = web.post(f"/checkout/{session.id}", data={"card": "4242424242424242"})

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://kol.example/funded?session={session.id}"
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert session.payment_status == "paid"
    assert session.customer_details.email == "b@brand.test"
    assert "already paid" in web.get(f"/checkout/{session.id}").text


def test_hosted_page_works_when_mounted_under_a_prefix(client, emulator):
    host = DispatcherMiddleware(Response("app"), {"/emulator": create_wsgi_app(emulator)})
    session = client.v1.checkout.sessions.create(session_params())

    page = Client(host).get(f"/emulator/checkout/{session.id}")

    assert f'action="/emulator/checkout/{session.id}"' in page.text


def test_zero_decimal_currency_amounts_are_whole_units(client, web):
    session = client.v1.checkout.sessions.create(session_params(amount=1_500, currency="jpy"))

    assert session.amount_total == 1_500
    assert "1,500 JPY" in web.get(f"/checkout/{session.id}").text


def test_expired_session_cannot_be_paid(client, emulator, web):
    session = client.v1.checkout.sessions.create(session_params())

    expired = client.v1.checkout.sessions.expire(session.id)

    assert expired.status == "expired" and expired.url is None
    with pytest.raises(EmulatorError):
        emulator.pay_checkout_session(session.id)
    assert "expired" in web.get(f"/checkout/{session.id}").text
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_sessions_expire_on_the_emulator_clock(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    assert session.expires_at == NOW + 24 * 3600

    emulator.advance(24 * 3600)

    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert [e["data"]["object"]["id"] for e in emulator.events("checkout.session.expired")] == [
        session.id
    ]


@pytest.mark.parametrize(
    ("change", "param", "code"),
    [
        ({"line_items": None}, "line_items", "parameter_missing"),
        ({"success_url": None}, "success_url", "parameter_missing"),
        ({"colour": "red"}, "colour", "parameter_unknown"),
    ],
)
def test_invalid_session_parameters_are_refused(client, change, param, code):
    params = {**session_params(), **change}

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params)

    assert (refused.value.param, refused.value.code) == (param, code)
    assert refused.value.http_status == 400


@pytest.mark.parametrize(("currency", "amount"), [("USD", 100), ("xyz", 100), ("usd", -5)])
def test_bad_currency_or_amount_names_the_param(client, currency, amount):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(session_params(amount=amount, currency=currency))

    assert refused.value.param.startswith("line_items[0][price_data]")


def test_a_session_expires_on_the_clock_even_if_nobody_reads_it(client, emulator, web):
    sent: list[str] = []
    emulator.add_webhook_endpoint(lambda payload, headers: sent.append(payload) or 200, "whsec")
    session = client.v1.checkout.sessions.create(session_params())

    emulator.advance(24 * 3600)

    assert [json.loads(body)["type"] for body in sent] == ["checkout.session.expired"]
    page = web.get(f"/checkout/{session.id}")
    assert page.status_code == 404 and "expired" in page.text  # the link is dead
    paid = web.post(f"/checkout/{session.id}", data={"card": "4242424242424242"})
    assert paid.status_code == 404
    assert emulator.events("charge.succeeded") == []


def test_paying_one_session_from_many_tabs_at_once_pays_once(client, emulator):
    session = client.v1.checkout.sessions.create(session_params())
    start = threading.Barrier(16)
    statuses: list[int] = []

    def pay() -> None:
        browser = Client(create_wsgi_app(emulator))
        start.wait(10)
        statuses.append(
            browser.post(f"/checkout/{session.id}", data={"card": "4242424242424242"}).status_code
        )

    tabs = [threading.Thread(target=pay) for _ in range(16)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(30)

    assert sorted(statuses) == [200] * 15 + [303]  # the others see "already paid"
    assert len(emulator.events("charge.succeeded")) == 1
