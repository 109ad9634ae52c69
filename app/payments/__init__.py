"""Payments through Stripe Connect (separate charges and transfers), held between funding and
release, recorded in the ledger. ``gateway`` is the only module that talks to Stripe."""

from app.payments import (  # noqa: F401  jobs and ticks
    funding,
    models,
    refunds,
    release,
)
