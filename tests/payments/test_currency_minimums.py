"""Stripe's minimum (and maximum) charge, refused where the amount is entered — campaigns,
bids, counter-offers, on the web and in the API — and Stripe's errors while funding or
onboarding shown as a message, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import money
from app.auth.models import User
from app.bids.models import Bid
from app.bids.services import preview_fees
from app.campaigns.models import Campaign
from app.contracts.models import Contract, ContractStatus
from app.errors import ValidationFailed
from app.extensions import db
from app.payments.emulator import currencies as stripe_rules
from app.payments.models import ConnectAccount
from tests.bids.support import Api, delivery_for, web_bid, web_counter
from tests.campaigns.helpers import api_json, form_data
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_kol,
    make_user,
)
from tests.payments.money_support import funding_of


def test_the_apps_copy_of_stripes_currency_rules_agrees_with_the_emulators():
    for code in money.CURRENCIES:
        assert code in stripe_rules.CHARGEABLE, code
        assert money.decimals(code) == stripe_rules.exponent(code), code
        assert code in money.MINIMUM_CHARGE, code  # where Stripe publishes none, our floor
        if code in stripe_rules.MINIMUM_CHARGE:
            assert money.MINIMUM_CHARGE[code] == stripe_rules.MINIMUM_CHARGE[code][0], code
    assert money.ZERO_DECIMAL == stripe_rules.ZERO_DECIMAL
    assert money.THREE_DECIMAL == stripe_rules.THREE_DECIMAL
    assert money.MAXIMUM_CHARGE_DIGITS == stripe_rules.MAXIMUM_DIGITS


# With the 5 % brand fee (test config), the lowest price whose charge reaches the minimum.
LOWEST = [
    ("usd", "0.47", "0.48", "$0.48", "$0.50"),
    ("gbp", "0.28", "0.29", "£0.29", "£0.30"),
    ("sgd", "0.47", "0.48", "SGD\u00a00.48", "SGD\u00a00.50"),
    ("hkd", "3.80", "3.81", "HK$3.81", "HK$4.00"),
    ("jpy", "47", "48", "¥48", "¥50"),
    ("cny", "9.51", "9.52", "CN¥9.52", "CN¥10.00"),
]


@pytest.mark.parametrize(("currency", "under", "lowest", "shown", "minimum"), LOWEST)
def test_the_lowest_price_is_the_one_whose_charge_reaches_the_minimum(
    ctx, currency, under, lowest, shown, minimum
):
    with pytest.raises(ValidationFailed) as refused:
        preview_fees(price=money.parse_amount(under, currency), currency=currency)

    (message,) = refused.value.errors["price"]
    assert f"Enter at least {shown}" in message and minimum in message
    fees = preview_fees(price=money.parse_amount(lowest, currency), currency=currency)
    assert fees.brand_total == money.MINIMUM_CHARGE[currency]


def test_a_campaign_form_under_the_minimum_shows_the_error_at_the_price(client):
    brand = make_user("brand")
    sign_in(client, brand)

    response = post_form(client, "/campaigns/new", form_data(price_min="0.47"))

    assert response.status_code == 422
    assert "Enter at least $0.48" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Campaign.id))) == 0
    response = post_form(
        client, "/campaigns/new", form_data(currency="hkd", price_min="3.80", price_max="500")
    )
    assert response.status_code == 422 and "HK$4.00" in response.get_data(as_text=True)
    assert post_form(client, "/campaigns/new", form_data(price_min="0.48")).status_code == 302


def test_the_campaign_api_refuses_a_price_range_stripe_cannot_charge(client):
    brand = make_user("brand")
    headers = {"Authorization": f"Bearer {make_api_key(brand)}"}

    response = client.post("/api/v1/campaigns", json=api_json(price_min=40), headers=headers)

    assert response.status_code == 422
    assert "$0.48" in response.get_json()["error"]["fields"]["price_min"][0]
    created = client.post("/api/v1/campaigns", json=api_json(), headers=headers)
    url = f"/api/v1/campaigns/{created.get_json()['id']}"
    patched = client.patch(url, json={"currency": "jpy", "price_min": 40}, headers=headers)
    assert patched.status_code == 422
    assert "¥48" in patched.get_json()["error"]["fields"]["price_min"][0]
    huge = api_json(price_max=100_000_000, budget=300_000_000)
    response = client.post("/api/v1/campaigns", json=huge, headers=headers)
    assert response.status_code == 422
    assert "Enter at most $952,380.94" in response.get_json()["error"]["fields"]["price_max"][0]


def test_a_bid_under_the_minimum_is_refused_on_the_web_and_in_the_api(app, client):
    campaign = make_campaign()
    kol = make_kol(verified=True)

    response = web_bid(signed_in(app, kol), campaign, price="0.40")

    assert response.status_code == 422
    assert "Enter at least $0.48" in response.get_data(as_text=True)
    api = Api(client, kol)
    bid = {"price": 40, "pitch": "Hi", "proposed_delivery": delivery_for(campaign)}
    response = api.post(f"/campaigns/{campaign.id}/bids", bid)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"price"}
    response = api.post(f"/campaigns/{campaign.id}/bids", {**bid, "price": 95_238_095})
    assert "$999,999.99" in response.get_json()["error"]["fields"]["price"][0]
    assert db.session.scalar(select(func.count(Bid.id))) == 0


def test_a_counter_offer_under_the_minimum_is_refused_on_the_web_and_in_the_api(app, client):
    bid = make_bid(price=50_000)
    brand = db.session.get(Campaign, bid.campaign_id).brand_id
    brand_user = db.session.get(User, brand)

    response = web_counter(signed_in(app, brand_user), bid, "0.30")

    assert response.status_code == 422
    assert "Enter at least $0.48" in response.get_data(as_text=True)
    response = Api(client, brand_user).post(f"/bids/{bid.id}/counter", {"price": 30})
    assert response.status_code == 422 and "price" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).price == 50_000


@pytest.mark.usefixtures("books_balance")
def test_stripe_down_while_funding_is_a_message_and_the_brand_can_retry(app, stripe_emulator):
    contract = make_contract()
    client = signed_in(app, contract.brand_id)
    stripe_emulator.faults.fail_next(1, status=500)

    response = post_form(client, f"/contracts/{contract.id}/fund", page="/")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stripe could not be reached" in page
    assert funding_of(contract.id) is None
    again = post_form(client, f"/contracts/{contract.id}/fund", page="/")
    assert again.status_code == 303 and "/emulator/checkout/cs_" in again.headers["Location"]


@pytest.mark.usefixtures("books_balance")
def test_a_lost_stripe_answer_while_funding_is_a_message_too(app, stripe_emulator):
    contract = make_contract()
    client = signed_in(app, contract.brand_id)
    stripe_emulator.faults.lose_next_response(1)

    response = post_form(client, f"/contracts/{contract.id}/fund", page="/")

    assert response.status_code == 302
    assert "Stripe could not be reached" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


@pytest.mark.usefixtures("books_balance")
def test_a_contract_stripe_will_not_charge_says_why_instead_of_a_500(app, stripe_emulator):
    # A contract agreed before minimums were checked: 40 ¢ + 2 ¢ brand fee.
    contract = make_contract(make_bid(price=40))
    brand = db.session.get(User, contract.brand_id)
    client = signed_in(app, brand)

    response = post_form(client, f"/contracts/{contract.id}/fund", page="/")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stripe cannot charge this amount in one payment" in page
    assert "at least $0.50 usd" in page
    api = client.post(
        f"/api/v1/contracts/{contract.id}/fund",
        headers={"Authorization": f"Bearer {make_api_key(brand)}"},
    )
    assert api.status_code == 502 and api.get_json()["error"]["code"] == "stripe_refused"
    assert funding_of(contract.id) is None
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING


@pytest.mark.usefixtures("books_balance")
def test_the_api_fund_endpoint_answers_503_with_a_stable_code_when_stripe_is_down(
    client, stripe_emulator
):
    contract = make_contract()
    brand = db.session.get(User, contract.brand_id)
    stripe_emulator.faults.fail_next(1, status=503)

    response = client.post(
        f"/api/v1/contracts/{contract.id}/fund",
        headers={"Authorization": f"Bearer {make_api_key(brand)}"},
    )

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "stripe_unavailable"


def test_stripe_down_during_onboarding_is_a_message(app, stripe_emulator):
    kol = make_kol(verified=True)
    client = signed_in(app, kol)
    stripe_emulator.faults.fail_next(1, status=500)

    response = post_form(client, "/settings/payouts/onboard", page="/settings/payouts")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stripe could not be reached" in page
    assert db.session.get(ConnectAccount, kol.id) is None
