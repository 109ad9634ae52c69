"""The money scenarios of `make stripe-check`: one code path for Stripe's test mode and for the
built-in emulator. Each scenario talks only to a `stripe.StripeClient`, reads what comes back
instead of assuming it (a refund may be `pending` first, a charge's balance transaction may
appear a moment after the payment, a dispute opens after the charge) and records what it saw:
statuses, amounts, balance-transaction types and the events Stripe recorded (read from the
Events API: what the webhook endpoints are sent).

Paying: Checkout's hosted page needs a browser, so `fund` creates the Checkout Session exactly
as the app does, expires it, and pays the same amount, transfer group and metadata with a
PaymentIntent confirmed on the server with Stripe's test PaymentMethods
(docs.stripe.com/testing): `pm_card_bypassPending` (funds available at once, so transfers,
reversals and refunds need no two-day wait) and `pm_card_createDispute` (disputed as
fraudulent).

Connect: onboarding.py (why the transfers go to a Custom test account).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.payments import gateway
from app.payments.stripe_check.harness import (
    Obj,
    Outcome,
    Run,
    events_about,
    pair,
    plain,
    refusal,
    settle,
)
from app.payments.stripe_check.onboarding import connect_onboarding
from app.payments.stripe_check.paying import (
    PM_AVAILABLE,
    PM_DISPUTE,
    PRICE,
    RETURN_URL,
    charge_of,
    charged_amount,
    pay,
    refund,
    release_amount,
    tag_metadata,
    txn_facts,
)
from app.payments.stripe_check.targets import Target


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    play: Callable[[Run, Outcome], None]


# -- the scenarios ---------------------------------------------------------------------------


def fund(run: Run, out: Outcome) -> None:
    client = run.client
    params = gateway.checkout_session_params(
        funding_id=1,
        contract_id=run.contract,
        amount=charged_amount(),
        currency=run.currency,
        product="Sponsored note (stripe-check)",
        customer_email=f"brand-{run.run_id}@example.com",
        success_url=RETURN_URL + "?session={CHECKOUT_SESSION_ID}",
        cancel_url=RETURN_URL,
    )
    session = plain(client.v1.checkout.sessions.create(params, run.options("checkout")))
    expired = plain(
        client.v1.checkout.sessions.expire(session["id"], None, run.options("checkout-expire"))
    )
    out.facts.update(
        {
            "checkout: status, payment_status": pair(session["status"], session["payment_status"]),
            "checkout: amount_total": session["amount_total"],
            "checkout: url scheme": (session["url"] or "").split(":", 1)[0],
            "checkout: lasts (s)": session["expires_at"] - session["created"],
            "checkout expired: status, url": pair(expired["status"], expired["url"]),
        }
    )
    out.expect(session["status"] == "open", "a new Checkout Session is open")
    out.expect(session["amount_total"] == charged_amount(), "it charges price + brand fee")
    out.expect(expired["url"] is None, "an expired Checkout Session has no URL")
    intent_data = params["payment_intent_data"]
    intent = pay(
        run,
        "fund",
        PM_AVAILABLE,
        transfer_group=intent_data["transfer_group"],
        metadata=intent_data["metadata"],
    )
    charge = charge_of(run, intent)
    txn = charge["balance_transaction"]
    out.facts.update(
        {
            "payment_intent: status": intent["status"],
            "payment_intent: amount_received": intent["amount_received"],
            "charge: status, amount_captured": pair(charge["status"], charge["amount_captured"]),
            "charge: transfer_group is the contract's": charge["transfer_group"]
            == intent_data["transfer_group"],
            **txn_facts("charge balance txn", txn),
        }
    )
    out.expect(intent["status"] == "succeeded", "the payment succeeds")
    out.expect(txn is not None, "the charge gets a balance transaction")
    out.expect((txn or {}).get("status") == "available", f"{PM_AVAILABLE} funds are available")
    ids = {session["id"], intent["id"], charge["id"]}
    wanted = {"checkout.session.expired", "payment_intent.succeeded", "charge.succeeded"}
    out.events = events_about(run, ids, wanted)
    out.expect(wanted <= set(out.events), "Stripe recorded " + ", ".join(sorted(wanted)))
    run.charge = charge if intent["status"] == "succeeded" else None


def release(run: Run, out: Outcome) -> None:
    if not (run.account and run.charge):
        out.skipped = "needs the Custom test account (connect) and the paid charge (fund)"
        return
    charge, client = run.charge, run.client
    params = {
        "amount": release_amount(),
        "currency": run.currency,
        "destination": run.account,
        "transfer_group": charge["transfer_group"],
        "source_transaction": charge["id"],
        "metadata": {**run.tag, "payout_id": "1"},
    }
    transfer = plain(client.v1.transfers.create(params, run.options("release")))
    txn = plain(client.v1.balance_transactions.retrieve(transfer["balance_transaction"]))
    balance = plain(client.v1.balance.retrieve(None, {"stripe_account": run.account}))
    out.facts.update(
        {
            "transfer: amount, currency": pair(transfer["amount"], transfer["currency"]),
            "transfer: source_transaction is the charge": (
                transfer["source_transaction"] == charge["id"]
            ),
            "transfer: destination is the account": transfer["destination"] == run.account,
            **txn_facts("transfer balance txn", txn),
            "connected account: available": _in_currency(balance["available"], run.currency),
            "connected account: pending": _in_currency(balance["pending"], run.currency),
        }
    )
    out.expect(transfer["amount"] == release_amount(), "the transfer is the released amount")
    out.expect(transfer["source_transaction"] == charge["id"], "it is tied to the charge")
    out.events = events_about(run, {transfer["id"]}, {"transfer.created"})
    run.transfer = transfer


def _in_currency(amounts: list[Obj], currency: str) -> int:
    return sum(entry["amount"] for entry in amounts if entry["currency"] == currency)


def reverse(run: Run, out: Outcome) -> None:
    if not run.transfer:
        out.skipped = "needs the transfer made by release"
        return
    transfer, client = run.transfer, run.client
    part = transfer["amount"] // 2
    reversals = client.v1.transfers.reversals
    first = plain(
        reversals.create(
            transfer["id"], {"amount": part, **tag_metadata(run)}, run.options("rev-1")
        )
    )
    rest = plain(reversals.create(transfer["id"], tag_metadata(run), run.options("rev-2")))
    after = plain(client.v1.transfers.retrieve(transfer["id"]))
    txn = plain(client.v1.balance_transactions.retrieve(first["balance_transaction"]))
    out.facts.update(
        {
            "reversal in part: amount": first["amount"],
            "reversal of the rest: amount": rest["amount"],
            "transfer: amount_reversed, reversed": pair(
                after["amount_reversed"], after["reversed"]
            ),
            **txn_facts("reversal balance txn", txn),
        }
    )
    out.expect(first["amount"] == part, "the first reversal takes back part")
    out.expect(rest["amount"] == transfer["amount"] - part, "the second takes back the rest")
    out.expect(after["reversed"], "the transfer ends fully reversed")
    out.events = events_about(run, {transfer["id"]}, {"transfer.reversed"})


def refunds(run: Run, out: Outcome) -> None:
    client = run.client
    group = f"contract_{run.contract}_refund"
    intent = pay(run, "refund-pay", PM_AVAILABLE, transfer_group=group, metadata={})
    charge = charge_of(run, intent)
    first, first_created = refund(run, "refund-1", charge["id"], PRICE // 2)
    rest, rest_created = refund(run, "refund-2", charge["id"], None)
    after = plain(client.v1.charges.retrieve(charge["id"]))
    beyond = refusal(
        lambda: client.v1.refunds.create(
            {"charge": charge["id"], "amount": 1, **tag_metadata(run)}, run.options("refund-3")
        )
    )
    out.facts.update(
        {
            "refund in part: status when created": first_created,
            "refund in part: status, amount": pair(first["status"], first["amount"]),
            **txn_facts("refund balance txn", first.get("balance_transaction")),
            "refund of the rest: status when created": rest_created,
            "refund of the rest: status, amount": pair(rest["status"], rest["amount"]),
            "charge: amount_refunded, refunded": pair(after["amount_refunded"], after["refunded"]),
            "one more refund": beyond,
        }
    )
    out.expect(first["status"] == "succeeded", "the refund in part succeeds")
    out.expect(rest["amount"] == charged_amount() - PRICE // 2, "the second refunds the rest")
    out.expect(rest["status"] == "succeeded", "the refund of the rest succeeds")
    out.expect(after["refunded"], "the charge ends fully refunded")
    out.expect(beyond != "accepted", "a refund beyond the charge is refused")
    out.events = events_about(run, {charge["id"], first["id"], rest["id"]}, {"charge.refunded"})


def dispute(run: Run, out: Outcome) -> None:
    client = run.client
    group = f"contract_{run.contract}_dispute"
    intent = pay(run, "dispute-pay", PM_DISPUTE, transfer_group=group, metadata={})
    found = settle(
        run,
        lambda: client.v1.disputes.list({"payment_intent": intent["id"], "limit": 1}).data,
        bool,
    )
    out.facts["payment_intent: status"] = intent["status"]
    out.expect(bool(found), "Stripe opens a dispute on the charge")
    if not found:
        return
    case = settle(
        run,
        lambda: plain(client.v1.disputes.retrieve(found[0].id)),
        lambda d: bool(d["balance_transactions"]),
    )
    charge = plain(client.v1.charges.retrieve(case["charge"]))
    moves = case["balance_transactions"]
    withdrawn = sum(t["amount"] for t in moves if t["amount"] < 0 and t["currency"] == run.currency)
    out.facts.update(
        {
            "charge: status, disputed": pair(charge["status"], charge["disputed"]),
            "dispute: status, reason": pair(case["status"], case["reason"]),
            "dispute: amount": case["amount"],
            "dispute balance txns": [
                f"{t['type']}/{t['reporting_category']} {t['amount']} fee {t['fee']}" for t in moves
            ],
        }
    )
    out.expect(charge["disputed"], "the charge is marked disputed")
    out.expect(case["amount"] == charge["amount"], "the whole charge is disputed")
    out.expect(withdrawn == -case["amount"], "the disputed amount is withdrawn from the balance")
    out.expect(any(t["fee"] > 0 for t in moves), "the dispute fee is charged")
    wanted = {"charge.dispute.created", "charge.dispute.funds_withdrawn"}
    out.events = events_about(run, {charge["id"], case["id"]}, wanted)
    out.expect(wanted <= set(out.events), "Stripe recorded " + ", ".join(sorted(wanted)))


SCENARIOS = (
    Scenario(
        "connect",
        "Connect onboarding: an Express account and its Account Link as the app makes them; "
        "a Custom test account onboarded through the API",
        connect_onboarding,
    ),
    Scenario(
        "fund",
        f"Funding: a Checkout Session as the app creates it, then paid ({PM_AVAILABLE})",
        fund,
    ),
    Scenario("release", "Release: a transfer with source_transaction = the charge", release),
    Scenario("reversal", "Transfer reversal: in part, then the rest", reverse),
    Scenario("refund", "Refunds: in part, then the rest; one more is refused", refunds),
    Scenario("dispute", f"Chargeback: {PM_DISPUTE} opens a dispute", dispute),
)


def run_scenarios(
    target: Target, *, currency: str, run_id: str | None = None
) -> dict[str, Outcome]:
    """Every scenario in order on `target`; an error ends that scenario, not the run."""
    run = Run(target, run_id or secrets.token_hex(4), currency, started=int(time.time()))
    outcomes = {}
    for scenario in SCENARIOS:
        out = Outcome()
        try:
            scenario.play(run, out)
        except gateway.StripeError as error:
            out.error = f"{type(error).__name__}: {error.user_message or error}"
        except Exception as error:  # the check reports a broken answer instead of dying
            out.error = f"{type(error).__name__}: {error}"
        outcomes[scenario.name] = out
    return outcomes
