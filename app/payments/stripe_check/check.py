"""`make stripe-check`: the scenarios on the built-in emulator and, given a test key, on
Stripe's test mode, printed side by side."""

from __future__ import annotations

import secrets

from app.payments.stripe_check.report import Side, exit_code, render
from app.payments.stripe_check.scenarios import run_scenarios
from app.payments.stripe_check.targets import (
    EMULATOR,
    STRIPE,
    check_test_key,
    emulator_target,
    stripe_target,
)

NO_KEY = (
    "STRIPE_TEST_SECRET_KEY is not set, so NOTHING ran against Stripe (set it to an sk_test_ "
    "key to run the same scenarios there)"
)


def run_check(
    *,
    key: str | None,
    currency: str,
    settlement_currencies: tuple[str, ...] = (),
    api_base: str | None = None,
    settle_seconds: int = 60,
    emulator: bool = True,
    run_id: str | None = None,
) -> tuple[str, int]:
    """(the report, the exit code). A key that is not a test key raises KeyRefused before
    anything runs."""
    if key:
        check_test_key(key)
    run_id = run_id or secrets.token_hex(4)
    sides = {
        STRIPE: Side(STRIPE, not_run=NO_KEY),
        EMULATOR: Side(EMULATOR, not_run="skipped (--stripe-only)"),
    }
    if key:
        target = stripe_target(key, api_base=api_base, settle_seconds=settle_seconds)
        outcomes = run_scenarios(target, currency=currency, run_id=run_id)
        sides[STRIPE] = Side(STRIPE, target.description, outcomes=outcomes)
    if emulator:
        settles_in = settlement_currencies or (currency,)
        target, _ = emulator_target(settles_in, settle_seconds=settle_seconds)
        outcomes = run_scenarios(target, currency=currency, run_id=run_id)
        sides[EMULATOR] = Side(EMULATOR, target.description, outcomes=outcomes)
    return render(sides, currency=currency, run_id=run_id), exit_code(sides)
