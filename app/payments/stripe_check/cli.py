"""`flask stripe-check` (`make stripe-check`): docs/going-live.md, "Proving it in test mode"."""

from __future__ import annotations

import logging
import os

import click
from flask import current_app

from app.payments.stripe_check.check import run_check
from app.payments.stripe_check.targets import KeyRefused


@click.command("stripe-check")
@click.option(
    "--currency", help="Charge currency; default the first settlement currency, else usd."
)
@click.option(
    "--api-base",
    envvar="STRIPE_CHECK_API_BASE",
    help="Send the Stripe side elsewhere (an egress proxy, the emulator over HTTP).",
)
@click.option("--settle-seconds", type=click.IntRange(0, 600), default=60, show_default=True)
@click.option("--stripe-only", is_flag=True, help="Skip the emulator side.")
@click.option("--require-stripe", is_flag=True, help="Exit 2 when no test key is set.")
def stripe_check_command(
    currency: str | None,
    api_base: str | None,
    settle_seconds: int,
    stripe_only: bool,
    require_stripe: bool,
) -> None:
    """Run the money scenarios on Stripe's test mode (STRIPE_TEST_SECRET_KEY=sk_test_...) and
    on the built-in emulator, and print what each answered side by side."""
    # From the environment only (or .env): never a command-line argument, which `ps` shows.
    key = os.environ.get("STRIPE_TEST_SECRET_KEY") or None
    logging.getLogger("stripe").setLevel(logging.WARNING)  # the report says what happened
    if not key and (require_stripe or stripe_only):
        click.echo("STRIPE_TEST_SECRET_KEY is not set: nothing can run against Stripe.", err=True)
        raise SystemExit(2)
    settles_in = tuple(current_app.config.get("STRIPE_SETTLEMENT_CURRENCIES") or ())
    try:
        text, code = run_check(
            key=key,
            currency=(currency or (settles_in[0] if settles_in else "usd")).lower(),
            settlement_currencies=settles_in,
            api_base=api_base or current_app.config.get("STRIPE_API_BASE"),
            settle_seconds=settle_seconds,
            emulator=not stripe_only,
        )
    except KeyRefused as refused:
        click.echo(str(refused), err=True)
        raise SystemExit(2) from None
    click.echo(text)
    raise SystemExit(code)
