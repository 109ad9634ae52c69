"""Production talks to Stripe or does not start: its key and both webhook endpoints' secrets
are required, as SECRET_KEY is, and the emulator is never mounted there."""

from __future__ import annotations

import pytest

from app import create_app
from app.payments.gateway import EMULATOR_CONNECT_WEBHOOK_SECRET, EMULATOR_WEBHOOK_SECRET
from tests.factories import PRODUCTION_STRIPE

GOOD = {"SECRET_KEY": "k3Jx9-p2QvLr8sT0wYz4aB6cD1eF5gH7iJ", "SQLALCHEMY_DATABASE_URI": "sqlite://",
        **PRODUCTION_STRIPE}  # fmt: skip


SECRETS = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET")


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", [None, "", "   "])
def test_production_refuses_to_start_without_each_stripe_secret(name, value):
    with pytest.raises(RuntimeError, match=f"{name} must be set"):
        create_app("production", **{**GOOD, name: value})


PLACEHOLDERS = [
    ("STRIPE_SECRET_KEY", "change-me"),
    ("STRIPE_SECRET_KEY", "sk_test_short"),
    ("STRIPE_SECRET_KEY", "pk_live_" + "a" * 40),  # a publishable key is no secret
    ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
    ("STRIPE_WEBHOOK_SECRET", EMULATOR_WEBHOOK_SECRET),
    ("STRIPE_WEBHOOK_SECRET", "change-me-" + "a" * 40),
    ("STRIPE_CONNECT_WEBHOOK_SECRET", EMULATOR_CONNECT_WEBHOOK_SECRET),
    ("STRIPE_CONNECT_WEBHOOK_SECRET", "sk_test_" + "a" * 40),  # a key in the secret's place
]


@pytest.mark.parametrize(("name", "value"), PLACEHOLDERS)
def test_production_refuses_placeholder_stripe_secrets(name, value):
    with pytest.raises(RuntimeError, match=f"{name} is a placeholder"):
        create_app("production", **{**GOOD, name: value})


def test_production_refuses_one_secret_for_both_endpoints():
    same = {**GOOD, "STRIPE_CONNECT_WEBHOOK_SECRET": GOOD["STRIPE_WEBHOOK_SECRET"]}
    with pytest.raises(RuntimeError, match="each endpoint has its own"):
        create_app("production", **same)


@pytest.mark.parametrize("key", ["sk_live_" + "b" * 40, "rk_live_" + "c" * 40])
def test_production_starts_with_stripe_and_never_mounts_the_emulator(key):
    app = create_app("production", **{**GOOD, "STRIPE_SECRET_KEY": key})

    assert "stripe_emulator" not in app.extensions
    client = app.test_client()
    for path in ("/emulator/checkout/cs_test_1", "/emulator/onboarding/x", "/emulator/v1/events"):
        assert client.get(path).status_code == 404


def test_outside_production_the_emulator_still_runs_without_keys():
    app = create_app("development", SQLALCHEMY_DATABASE_URI="sqlite://", TESTING=True,
                     STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None,
                     STRIPE_CONNECT_WEBHOOK_SECRET=None)  # fmt: skip
    assert "stripe_emulator" in app.extensions
    assert app.config["STRIPE_CONNECT_WEBHOOK_SECRET"] == EMULATOR_CONNECT_WEBHOOK_SECRET
