"""`make stripe-check`: the money scenarios pass on the emulator with the outcomes Stripe
documents, the Stripe code path works when pointed at a base address, live keys are refused
and a run without a key says plainly that nothing ran against Stripe."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.payments import gateway
from app.payments.emulator import Emulator, create_wsgi_app
from app.payments.emulator.settlement import Settings
from app.payments.stripe_check.check import run_check
from app.payments.stripe_check.harness import Outcome
from app.payments.stripe_check.report import Side, render
from app.payments.stripe_check.scenarios import SCENARIOS, run_scenarios
from app.payments.stripe_check.targets import (
    EMULATOR,
    EMULATOR_AVAILABILITY_DELAY,
    STRIPE,
    KeyRefused,
    emulator_target,
)
from app.payments.webhooks import HANDLERS


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    target, _emulator = emulator_target(("usd",))
    return run_scenarios(target, currency="usd")


def test_every_scenario_passes_on_the_emulator(outcomes):
    assert list(outcomes) == [scenario.name for scenario in SCENARIOS]
    failed = {
        name: (o.error, o.skipped, o.problems) for name, o in outcomes.items() if not o.passed
    }
    assert failed == {}


def test_connect_express_waits_for_onboarding_and_the_custom_test_account_can_take_transfers(
    outcomes,
):
    facts = outcomes["connect"].facts
    assert facts["express: capabilities.transfers"] != "active"
    assert facts["express: payouts_enabled"] is False
    assert facts["custom: capabilities.transfers"] == "active"
    assert facts["custom: requirements.currently_due"] == []


def test_funding_pays_the_checkout_amount_into_the_available_balance(outcomes):
    fund = outcomes["fund"]
    assert fund.facts["checkout: amount_total"] == 10_500  # price 10 000 + 5 % brand fee
    assert fund.facts["checkout expired: status, url"] == "expired, null"
    assert fund.facts["charge balance txn: amount"] == 10_500
    assert fund.facts["charge balance txn: status"] == "available"  # pm_card_bypassPending
    assert {"checkout.session.expired", "payment_intent.succeeded"} <= set(fund.events)


def test_release_is_a_transfer_tied_to_the_charge(outcomes):
    facts = outcomes["release"].facts
    assert facts["transfer: amount, currency"] == "6300, usd"  # 70 % of 10 000 less 10 %
    assert facts["transfer: source_transaction is the charge"] is True
    assert facts["transfer balance txn: amount"] == -6300
    assert facts["connected account: available"] == 6300


def test_reversal_takes_back_part_then_the_rest(outcomes):
    reversal = outcomes["reversal"]
    assert reversal.facts["reversal in part: amount"] == 3150
    assert reversal.facts["reversal of the rest: amount"] == 3150
    assert reversal.facts["transfer: amount_reversed, reversed"] == "6300, true"
    assert reversal.facts["reversal balance txn: type"] == "transfer_refund"
    assert reversal.events.count("transfer.reversed") == 2


def test_refunds_in_part_and_in_full_then_a_third_is_refused(outcomes):
    facts = outcomes["refund"].facts
    assert facts["refund in part: status, amount"] == "succeeded, 5000"
    assert facts["refund of the rest: status, amount"] == "succeeded, 5500"
    assert facts["refund balance txn: amount"] == -5000
    assert facts["charge: amount_refunded, refunded"] == "10500, true"
    assert facts["one more refund"] == "charge_already_refunded"


def test_the_dispute_card_opens_a_dispute_and_withdraws_the_funds(outcomes):
    dispute = outcomes["dispute"]
    assert dispute.facts["dispute: status, reason"] == "needs_response, fraudulent"
    assert dispute.facts["dispute: amount"] == 10_500
    [withdrawal] = dispute.facts["dispute balance txns"]
    assert " -10500 " in withdrawal and "fee 0" not in withdrawal
    assert {"charge.dispute.created", "charge.dispute.funds_withdrawn"} <= set(dispute.events)


@pytest.fixture
def emulator_over_http(monkeypatch) -> Iterator[str]:
    """The emulator's API on a real socket, as api.stripe.com would be."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    emulator = Emulator(availability_delay=EMULATOR_AVAILABILITY_DELAY, settings=Settings(("usd",)))
    server = make_server("127.0.0.1", 0, create_wsgi_app(emulator), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_the_stripe_side_runs_the_same_scenarios_through_a_base_address(emulator_over_http):
    text, code = run_check(
        key="sk_test_stripe_check",
        currency="usd",
        api_base=emulator_over_http,
        settle_seconds=10,
        emulator=False,
    )
    assert code == 0, text
    assert f"Stripe test mode at {emulator_over_http}" in text
    assert "stripe    6 of 6 scenarios ok" in text
    assert "emulator  NOT RUN" in text


def test_both_sides_are_printed_beside_each_other_and_only_differences_are_marked(
    emulator_over_http,
):
    text, code = run_check(
        key="sk_test_stripe_check", currency="usd", api_base=emulator_over_http, settle_seconds=10
    )
    assert code == 0, text
    assert "stripe    6 of 6 scenarios ok" in text and "emulator  6 of 6 scenarios ok" in text
    # Two emulators answer alike, so no row is marked as differing...
    assert "≠" not in text
    row = next(line for line in text.splitlines() if "one more refund" in line)
    assert row.split()[-2:] == ["charge_already_refunded", "charge_already_refunded"]
    # ...while a value Stripe answers differently is.
    sides = {
        STRIPE: Side(
            STRIPE, "Stripe", outcomes={"fund": Outcome(facts={"checkout: url scheme": "https"})}
        ),
        EMULATOR: Side(
            EMULATOR, "emu", outcomes={"fund": Outcome(facts={"checkout: url scheme": "http"})}
        ),
    }
    marked = [
        line for line in render(sides, currency="usd", run_id="x").splitlines() if "≠" in line
    ]
    assert [line.split()[1:] for line in marked] == [
        ["checkout:", "url", "scheme", "https", "http"]
    ]


@pytest.mark.parametrize("key", ["sk_live_abc123", "rk_live_abc123", "pk_test_abc123", "whsec_x"])
def test_anything_but_a_test_secret_key_is_refused_before_anything_runs(key):
    with pytest.raises(KeyRefused) as refused:
        run_check(key=key, currency="usd")
    assert key not in str(refused.value)
    with pytest.raises(ValueError):
        gateway.client_for_test_mode(key)


def test_the_command_refuses_a_live_key_with_exit_2(app, monkeypatch):
    monkeypatch.setenv("STRIPE_TEST_SECRET_KEY", "sk_live_abc123")
    result = app.test_cli_runner().invoke(args=["stripe-check"])
    assert result.exit_code == 2
    assert "LIVE key" in result.stderr
    assert "sk_live_abc123" not in result.stdout + result.stderr
    assert "scenarios ok" not in result.stdout


def test_without_a_key_the_command_says_nothing_ran_against_stripe(app, monkeypatch):
    monkeypatch.delenv("STRIPE_TEST_SECRET_KEY", raising=False)
    result = app.test_cli_runner().invoke(args=["stripe-check", "--settle-seconds", "4"])
    assert result.exit_code == 0, result.output
    assert "stripe    NOT RUN: STRIPE_TEST_SECRET_KEY is not set" in result.output
    assert "NOTHING ran against Stripe" in result.output
    assert "stripe    NOT RUN: nothing was checked against Stripe." in result.output
    assert "emulator  6 of 6 scenarios ok" in result.output
    required = app.test_cli_runner().invoke(args=["stripe-check", "--require-stripe"])
    assert required.exit_code == 2


GOING_LIVE = Path(__file__).resolve().parents[2] / "docs" / "going-live.md"


def documented_endpoints() -> dict[bool, set[str]]:
    """{connect: enabled events} from the endpoint-creating commands in docs/going-live.md."""
    blocks = re.findall(r"```sh\n(.*?)```", GOING_LIVE.read_text(encoding="utf-8"), re.S)
    return {
        "connect=true" in block: set(re.findall(r"enabled_events\[\]=([\w.]+)", block))
        for block in blocks
        if "/v1/webhook_endpoints" in block
    }


def test_going_live_subscribes_each_endpoint_to_exactly_the_handled_events():
    endpoints = documented_endpoints()
    assert set(endpoints) == {False, True}
    assert endpoints[False] | endpoints[True] == set(HANDLERS)
    assert endpoints[False].isdisjoint(endpoints[True])
    # Stripe sends connected accounts' events (account.updated) only to a Connect endpoint.
    assert "account.updated" in endpoints[True]
