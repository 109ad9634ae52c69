"""Generated Stripe event sequences over a few deals, each event delivered 1-3 times in a
shuffled order, WORKERS at once (8 on PostgreSQL; one at a time on SQLite, which has no row
locks), mixed with badly signed, stale and tampered copies: the final books equal those of one
in-order delivery of the same events, and every bad copy is a 400 with no effect.

Each example runs the same deals twice on empty tables: once delivering in order, once as the
plan says. Phases: (A) Stripe-side: declined cards, payment, KOL onboarding, chargebacks opened
and closed; (B) our side: cancel, approve or a dispute split (refunds, transfers); (C) Stripe-
side again: the KOL's transfer reversed (as finance would in Stripe's Dashboard) in full, in
part, or in part and then the rest, each reversal a ``transfer.reversed`` event. Bounded
examples in CI (MONEY_EXAMPLES, more under `make soak`)."""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.ledger.checks import ledger_problems
from app.payments import gateway
from app.payments.connect import onboarding_link
from app.payments.disputes import open_dispute, resolve_dispute
from app.payments.emulator import EmulatorError
from app.payments.models import ConnectAccount, Payout
from app.payments.refunds import cancel_contract
from tests.factories import make_kol, make_user
from tests.hardening.money.books import deliver, events_recorded, snapshot
from tests.hardening.money.deals import checkout, new_deal
from tests.hardening.money.support import Figures, emulator_objects, parallel_ok, size
from tests.payments.conftest import drain_jobs

EXAMPLES = size("MONEY_EXAMPLES", 3, 60)
WORKERS = 8 if parallel_ok() else 1
FIGURES = Figures(f"webhook sequences (workers={WORKERS})")

DEAL = st.fixed_dictionaries(
    {
        "declines": st.integers(0, 2),
        "pays": st.booleans(),
        "onboard": st.booleans(),
        "chargeback": st.sampled_from(["none", "none", "open", "won", "lost"]),
        "then": st.sampled_from(["nothing", "cancel", "approve", "split"]),
        # what Stripe does with a refund: done at once, pending then done, pending then
        # failed, or done and then returned by the card issuer
        "refund": st.sampled_from(["done", "done", "pending", "fail", "returned"]),
        "reverse": st.sampled_from(["none", "none", "full", "partial", "partial_then_rest"]),
    }
)


# Deals whose KOL is paid by a transfer, then reversed: a few examples always reach reversals.
REVERSIBLE_DEAL = st.fixed_dictionaries(
    {
        "declines": st.integers(0, 1),
        "pays": st.just(True),
        "onboard": st.just(True),
        "chargeback": st.sampled_from(["none", "none", "won"]),
        "then": st.sampled_from(["approve", "approve", "split"]),
        "reverse": st.sampled_from(["full", "partial", "partial_then_rest"]),
    }
)


def _phase_a(app, emulator, deal, contract, kol, session_id) -> None:
    """What happens at Stripe: declines, the payment, onboarding, a chargeback."""
    for _ in range(deal["declines"]):
        emulator.faults.decline_next_card(1)
        with contextlib.suppress(EmulatorError):
            emulator.pay_checkout_session(session_id)
    if deal["pays"]:
        emulator.pay_checkout_session(session_id)
        if deal["chargeback"] != "none":
            intent = emulator.get(emulator.get(session_id)["payment_intent"])
            dispute = emulator.create_dispute(intent["latest_charge"])
            if deal["chargeback"] in ("won", "lost"):
                emulator.close_dispute(dispute["id"], won=deal["chargeback"] == "won")
    if deal["onboard"]:
        from tests.factories import give_tax_details

        give_tax_details(kol)  # what a payout needs besides the account (issue 22)
        onboarding_link(user_id=kol.id)
        db.session.commit()
        emulator.complete_onboarding(db.session.get(ConnectAccount, kol.id).stripe_account_id)


def _phase_b(emulator, deal, contract_id, brand_id, kol_id, admin_id) -> None:
    """What our users do next; a refusal (not funded, frozen) is part of the scenario."""
    from tests.notes.support import submitted_note

    if deal.get("refund") in ("pending", "fail"):
        emulator.faults.next_refunds(deal["refund"])
        FIGURES.add(f"refunds_{deal['refund']}_set")
    try:
        if deal["then"] == "cancel":
            cancel_contract(contract_id=contract_id, actor_id=brand_id, reason="changed plans")
        elif deal["then"] in ("approve", "split"):
            from app.contracts.models import Contract
            from app.notes.services import approve_note

            note = submitted_note(db.session.get(Contract, contract_id))
            if deal["then"] == "approve":
                approve_note(note_id=note.id, brand_id=brand_id)
            else:
                open_dispute(contract_id=contract_id, user_id=kol_id, reason="late")
                resolve_dispute(
                    contract_id=contract_id, admin_id=admin_id, refund_amount=10_000, reason="half"
                )
        db.session.commit()
    except DomainError:
        db.session.rollback()
    drain_jobs()
    emulator.faults.refund_outcomes.clear()  # one deal's refund outcome is not the next's


def _phase_c(emulator, deal, contract_id) -> None:
    """Stripe-side: refunds left pending finish (or fail), one may come back from the card
    issuer; reverse the deal's first transfer, where there is one and Stripe allows."""
    emulator.settle_refunds()
    if deal.get("refund") == "returned":
        for refund in emulator_objects(emulator, "refund", contract_id=contract_id):
            if refund["status"] == "succeeded":
                emulator.fail_refund(refund["id"])
                FIGURES.add("refunds_returned")
    transfer_id = db.session.scalar(
        select(Payout.transfer_id)
        .where(Payout.contract_id == contract_id, Payout.transfer_id.is_not(None))
        .order_by(Payout.id)
        .limit(1)
    )
    if deal["reverse"] == "none" or transfer_id is None:
        return
    reversals = gateway.client().v1.transfers.reversals
    amount = gateway.retrieve_transfer(transfer_id)["amount"]
    steps = [None] if deal["reverse"] == "full" else [amount // 3]
    if deal["reverse"] == "partial_then_rest":
        steps.append(None)  # no amount: whatever is left
    for step in steps:
        with contextlib.suppress(gateway.StripeError):
            reversals.create(transfer_id, {} if step is None else {"amount": step})


def _plan_for(data, events: list[dict]) -> list[tuple[dict, str]]:
    copies = data.draw(st.lists(st.integers(1, 3), min_size=len(events), max_size=len(events)))
    bad = data.draw(
        st.lists(
            st.sampled_from([None, None, "wrong", "stale", "tampered"]),
            min_size=len(events),
            max_size=len(events),
        )
    )
    deliveries = [(i, "good") for i, n in enumerate(copies) for _ in range(n)]
    deliveries += [(i, b) for i, b in enumerate(bad) if b]
    order = data.draw(st.permutations(range(len(deliveries))))
    return [(events[deliveries[j][0]], deliveries[j][1]) for j in order]


def _run(app, emulator, deals, brand, admin, data=None) -> tuple[dict, Counter, int]:
    """Build fresh deals, play both phases; deliver in order (data=None) or as drawn."""
    outcomes: Counter = Counter()
    recorded = events_recorded()
    parties = []
    for _deal in deals:
        kol = make_kol()
        contract = new_deal(brand, kol).contract
        parties.append((contract.id, kol.id, checkout(contract.id, brand.id)))
    for phase in ("A", "B", "C"):
        emulator.hold_webhooks(True)
        for deal, (contract_id, kol_id, session_id) in zip(deals, parties, strict=True):
            if phase == "A":
                kol = db.session.get(type(brand), kol_id)
                _phase_a(app, emulator, deal, contract_id, kol, session_id)
            elif phase == "B":
                _phase_b(emulator, deal, contract_id, brand.id, kol_id, admin.id)
            else:
                _phase_c(emulator, deal, contract_id)
        events = emulator.webhooks.take_held()
        emulator.hold_webhooks(False)
        plan = [(e, "good") for e in events] if data is None else _plan_for(data, events)
        # End the test's own (read) transaction first: on SQLite it holds the write lock
        # (BEGIN IMMEDIATE) and every delivery would wait it out and answer 503.
        db.session.commit()
        outcomes += deliver(app, plan, 1 if data is None else WORKERS)
        drain_jobs()
    assert ledger_problems() == []
    intents = [emulator.get(s).get("payment_intent") for _c, _k, s in parties]
    charges = [emulator.get(i)["latest_charge"] for i in intents if i]
    books = snapshot(
        [c for c, _k, _s in parties], [brand.id, admin.id, *(k for _c, k, _s in parties)], charges
    )
    return books, outcomes, events_recorded() - recorded


def _property(app, deals_strategy, figures: Figures) -> None:
    """Given deals, the books of a shuffled, duplicated, concurrent delivery (mixed with bad
    copies) equal those of one in-order delivery."""
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(deals=st.lists(deals_strategy, min_size=1, max_size=3), data=st.data())
    def check(deals, data):
        with app.app_context():
            brand, admin = make_user("brand"), make_user("admin")
            expected, _, events = _run(app, emulator, deals, brand, admin)
            got, outcomes, recorded = _run(app, emulator, deals, brand, admin, data)
            figures.add("examples")
            figures.add("deals", len(deals))
            for (signing, status), n in outcomes.items():
                figures.add(f"{signing}->{status}", n)
                figures.add("deliveries", n)
            figures.add("events", recorded)
            figures.add("reversals", got["entries_by_kind"].get("transfer_reversal", 0))
            assert recorded == events  # every event recorded once, the bad copies never
            bad = {k: n for k, n in outcomes.items() if (k[0] == "good") != (k[1] == 200)}
            assert not bad, f"unexpected answers: {bad}"
            for part in expected:
                assert got[part] == expected[part], f"{part} differ for {deals}"
            db.session.remove()

    try:
        check()
    finally:
        figures.show()


@pytest.mark.usefixtures("committing_app")
def test_shuffled_duplicated_concurrent_webhooks_equal_in_order_books(app):
    _property(app, DEAL, FIGURES)


@pytest.mark.usefixtures("committing_app")
def test_transfer_reversals_shuffled_equal_in_order_books(app):
    """Every deal paid, onboarded and released, so each example reverses transfers."""
    _property(app, REVERSIBLE_DEAL, Figures(f"transfer reversals (workers={WORKERS})"))
