"""Outside production the emulator's API is the app's alone: the SDK reaches it in-process,
and /emulator/v1 answers 404 to every HTTP request, local or remote. Browsers still get the
hosted Checkout and onboarding pages, which stand in for Stripe's."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.payments import gateway
from app.payments.models import ConnectAccount
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.money_support import fund

pytestmark = pytest.mark.usefixtures("books_balance")
KEY = {"Authorization": "Bearer sk_test_emulator"}
CALLERS = ["127.0.0.1", "::1", "203.0.113.9"]


@pytest.mark.parametrize("remote", CALLERS)
def test_events_with_customers_emails_are_not_served(app, client, stripe_emulator, remote):
    brand = make_user("brand")
    fund(app, make_contract(make_bid(make_campaign(brand), make_kol())), brand, stripe_emulator)
    assert stripe_emulator.events("checkout.session.completed")  # there is something to read

    for path in ("/emulator/v1/events", "/emulator/v1/checkout/sessions", "/emulator/v1"):
        response = client.get(path, headers=KEY, environ_base={"REMOTE_ADDR": remote})
        assert response.status_code == 404
        assert brand.email.encode() not in response.data and b"evt_" not in response.data


@pytest.mark.parametrize("remote", CALLERS)
def test_a_kols_transfer_cannot_be_reversed_over_http(app, client, stripe_emulator, remote):
    brand = make_user("brand")
    fund(app, make_contract(make_bid(make_campaign(brand), make_kol())), brand, stripe_emulator)
    with app.test_request_context():  # the app's own SDK client: in-process, it works
        stripe = gateway.client()
        account = stripe.v1.accounts.create(
            {"type": "express", "capabilities": {"transfers": {"requested": True}}}
        )
        stripe_emulator.complete_onboarding(account.id)
        transfer = stripe.v1.transfers.create(
            {"amount": 1_000, "currency": "usd", "destination": account.id}
        )

    response = client.post(
        f"/emulator/v1/transfers/{transfer.id}/reversals",
        data={"amount": "1000"},
        headers=KEY,
        environ_base={"REMOTE_ADDR": remote},
    )

    assert response.status_code == 404
    assert stripe_emulator.get(transfer.id)["amount_reversed"] == 0
    assert not stripe_emulator.events("transfer.reversed")


def test_the_hosted_pages_stay_reachable_for_browsers(app, stripe_emulator):
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol))
    browser = signed_in(app, brand)
    started = post_form(browser, f"/contracts/{contract.id}/fund", page="/")
    checkout = browser.get(re.sub(r"^https?://[^/]+", "", started.headers["Location"]))
    assert checkout.status_code == 200 and "Card number" in checkout.get_data(as_text=True)

    sign_in(browser, kol)
    linked = post_form(browser, "/settings/payouts/onboard", page="/settings/payouts")
    onboarding = browser.get(re.sub(r"^https?://[^/]+", "", linked.headers["Location"]))
    assert onboarding.status_code == 200 and "Complete onboarding" in onboarding.text
    assert db.session.get(ConnectAccount, kol.id) is not None
