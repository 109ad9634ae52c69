"""Stripe's currency rules on Checkout: minimum and maximum charges, the currencies it can
charge, zero- and three-decimal amounts — through the real SDK."""

from __future__ import annotations

import pytest
import stripe
from emulator_support import session_params

UNIT_AMOUNT = "line_items[0][price_data][unit_amount]"


def _refusal(client, amount: int, currency: str) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(session_params(amount=amount, currency=currency))
    return refused.value


@pytest.mark.parametrize(
    ("settles_in", "currency", "minimum", "shown"),
    [
        (("usd",), "usd", 50, "$0.50 usd"),
        (("usd", "eur"), "eur", 50, "€0.50 eur"),
        (("usd", "gbp"), "gbp", 30, "£0.30 gbp"),
        (("usd", "hkd"), "hkd", 400, "$4.00 hkd"),
        (("usd", "jpy"), "jpy", 50, "¥50 jpy"),
        (("usd", "sgd"), "sgd", 50, "$0.50 sgd"),
    ],
)
def test_a_session_under_the_settlement_currencys_minimum_is_refused(
    client, emulator, settles_in, currency, minimum, shown
):
    emulator.settings.settlement_currencies = settles_in

    refused = _refusal(client, minimum - 1, currency)

    assert (refused.http_status, refused.code, refused.param) == (
        400,
        "amount_too_small",
        UNIT_AMOUNT,
    )
    assert refused.user_message == (
        f"The Checkout Session's total amount due must add up to at least {shown}"
    )
    session = client.v1.checkout.sessions.create(session_params(minimum, currency))
    assert session.amount_total == minimum


def test_a_converted_charge_must_meet_the_settlement_minimum_after_conversion(client):
    # ¥50 is Stripe's minimum for a yen account, but on a US-dollar platform it is ~$0.34.
    refused = _refusal(client, 50, "jpy")

    assert refused.code == "amount_too_small"
    assert "convert to at least $0.50 usd" in refused.user_message
    assert "50 JPY converts to approximately 0.34 USD" in refused.user_message
    assert client.v1.checkout.sessions.create(session_params(75, "jpy")).amount_total == 75


def test_the_total_of_several_line_items_is_what_must_reach_the_minimum(client):
    params = session_params(30)
    params["line_items"] += session_params(30)["line_items"]

    assert client.v1.checkout.sessions.create(params).amount_total == 60
    params["line_items"][0]["price_data"]["unit_amount"] = 10  # 10 + 30 < 50
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params)
    assert (refused.value.code, refused.value.param) == ("amount_too_small", "line_items")


def test_more_digits_than_the_amount_field_takes_is_refused(client):
    refused = _refusal(client, 100_000_000, "usd")  # $1,000,000.00: 9 digits

    assert (refused.code, refused.param) == ("amount_too_large", UNIT_AMOUNT)
    assert client.v1.checkout.sessions.create(session_params(99_999_999)).amount_total == (
        99_999_999
    )


@pytest.mark.parametrize("currency", ["kes", "php", "ngn", "bhd"])
def test_currencies_stripe_charges_beyond_the_common_ones_are_accepted(client, currency):
    session = client.v1.checkout.sessions.create(session_params(100_000, currency))

    assert session.currency == currency


@pytest.mark.parametrize("currency", ["xyz", "btc", "usdc"])
def test_a_currency_stripe_cannot_charge_is_refused(client, currency):
    refused = _refusal(client, 10_000, currency)

    assert refused.param == "line_items[0][price_data][currency]"
    assert f"Invalid currency: {currency}." in refused.user_message


def test_three_decimal_amounts_must_end_in_zero(client, web):
    refused = _refusal(client, 5_124, "kwd")  # 5.124 KWD

    assert (refused.code, refused.param) == ("parameter_invalid_integer", UNIT_AMOUNT)
    assert "5120 or 5130" in refused.user_message
    session = client.v1.checkout.sessions.create(session_params(5_120, "kwd"))
    assert "5.120 KWD" in web.get(f"/checkout/{session.id}").text


def test_isk_is_sent_with_two_decimals_in_whole_kronur(client):
    assert _refusal(client, 55_050, "isk").param == UNIT_AMOUNT

    assert client.v1.checkout.sessions.create(session_params(55_000, "isk")).currency == "isk"


def test_zero_decimal_amounts_are_whole_units(client, web):
    session = client.v1.checkout.sessions.create(session_params(1_500, "jpy"))

    assert "1,500 JPY" in web.get(f"/checkout/{session.id}").text


def test_a_three_decimal_refund_must_end_in_zero_too(client, paid_charge):
    charge = paid_charge(amount=5_120, currency="kwd")

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"charge": charge.id, "amount": 125})

    assert refused.value.param == "amount"
    assert client.v1.refunds.create({"charge": charge.id, "amount": 120}).amount == 120
