"""The Connect side of stripe-check: the app's Express accounts finish onboarding only on Stripe's
hosted form, in front of a person. `connect_onboarding` creates one with its Account Link as the
app does and reports that it cannot receive transfers yet; the transfers go to a Custom account
onboarded through the API with Stripe's documented test values (docs.stripe.com/connect/testing).
"""

from __future__ import annotations

from app.payments.stripe_check.harness import (
    CLOCK_SLACK,
    Obj,
    Outcome,
    Run,
    events_about,
    plain,
    settle,
)
from app.payments.stripe_check.paying import RETURN_URL


def connect_onboarding(run: Run, out: Outcome) -> None:
    client = run.client
    express = plain(client.v1.accounts.create(express_params(run), run.options("express")))
    link = plain(
        client.v1.account_links.create(
            {
                "account": express["id"],
                "refresh_url": RETURN_URL,
                "return_url": RETURN_URL,
                "type": "account_onboarding",
            }
        )
    )
    out.facts.update(
        {
            "express: capabilities.transfers": express["capabilities"].get("transfers"),
            "express: details_submitted": express["details_submitted"],
            "express: payouts_enabled": express["payouts_enabled"],
            "express: account link lasts (s)": link["expires_at"] - link["created"],
        }
    )
    out.expect(
        express["capabilities"].get("transfers") != "active",
        "a new Express account cannot receive transfers before onboarding",
    )
    created = plain(client.v1.accounts.create(custom_params(run), run.options("custom")))
    custom = settle(
        run,
        lambda: plain(client.v1.accounts.retrieve(created["id"])),
        lambda account: account["capabilities"].get("transfers") == "active",
    )
    active = custom["capabilities"].get("transfers") == "active"
    out.facts.update(
        {
            "custom: capabilities.transfers": custom["capabilities"].get("transfers"),
            "custom: payouts_enabled": custom["payouts_enabled"],
            "custom: requirements.currently_due": custom["requirements"]["currently_due"],
            "custom: requirements.disabled_reason": custom["requirements"]["disabled_reason"],
        }
    )
    out.expect(active, "the Custom test account can receive transfers")
    run.account = custom["id"] if active else None
    out.events = events_about(run, {custom["id"]}, account=custom["id"])


def express_params(run: Run) -> Obj:
    """The Express account the app creates for a KOL (gateway.create_connect_account)."""
    return {
        "type": "express",
        "country": "US",
        "email": f"kol-{run.run_id}@example.com",
        "capabilities": {"transfers": {"requested": True}},
        "metadata": run.tag,
    }


def custom_params(run: Run) -> Obj:
    """A US individual with Stripe's test values that verify at once: date of birth
    1902-01-01, address line `address_full_match`, ID number 000000000, phone 0000000000,
    bank 110000000 / 000123456789, website https://accessible.stripe.com."""
    email = f"kol-custom-{run.run_id}@example.com"
    return {
        "type": "custom",
        "country": "US",
        "email": email,
        "business_type": "individual",
        "capabilities": {"transfers": {"requested": True}},
        "business_profile": {"mcc": "7311", "url": "https://accessible.stripe.com"},
        "individual": {
            "first_name": "Stripe",
            "last_name": "Check",
            "email": email,
            "phone": "0000000000",
            "dob": {"day": 1, "month": 1, "year": 1902},
            "address": {
                "line1": "address_full_match",
                "city": "San Francisco",
                "state": "CA",
                "postal_code": "94103",
                "country": "US",
            },
            "id_number": "000000000",
        },
        "external_account": {
            "object": "bank_account",
            "country": "US",
            "currency": "usd",
            "routing_number": "110000000",
            "account_number": "000123456789",
        },
        "tos_acceptance": {"date": run.started - CLOCK_SLACK, "ip": "127.0.0.1"},
        "metadata": run.tag,
    }
