"""A stateful property test over the whole deal (hypothesis RuleBasedStateMachine).

Rules: onboard, fund (sometimes declined first), submit, request changes, approve, cancel,
dispute + admin split, chargeback (opened, then won or lost), orders then an outcome settlement
(weekly or final: commission released, the cap's rest refunded), refunds Stripe leaves pending or
that fail (then Stripe processes them, and finance retries the failed ones), Stripe faults (an
error, or the work done and the answer lost), worker runs (drain the jobs, Stripe retrying
failed webhook deliveries). A reference
model says what the brand was charged and what the KOL and the brand are owed; after every
step every ledger invariant holds, Stripe never moved more than the model allows, and once the
jobs are drained with no fault pending Stripe moved exactly what the model says. Runs on SQLite
and PostgreSQL; bounded in CI (MONEY_STATES examples), more under `make soak`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from app.analytics.models import TrackingEvent
from app.analytics.services import record_conversion
from app.analytics.tracking import new_click_id
from app.contracts.models import Contract
from app.errors import DomainError
from app.extensions import db, limiter
from app.jobs import StagedJob
from app.ledger.checks import ledger_problems
from app.money import fee_for
from app.notes import services as notes
from app.outcomes.settlement import settle_contract
from app.payments.disputes import open_dispute, resolve_dispute
from app.payments.emulator import EmulatorError
from app.payments.models import Payout, Refund
from app.payments.refunds import cancel_contract
from tests.factories import make_kol, make_user
from tests.hardening.money.deals import checkout, new_deal
from tests.hardening.money.support import Figures, emulator_objects, size
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import onboard

OUTCOME_TERMS = {"commission_bps": 1000, "outcome_cap": 20_000, "performance_days": 30}
STATES = size("MONEY_STATES", 6, 150)
STEPS = size("MONEY_STEPS", 12, 30)
FIGURES = Figures("deal state machine")
APP: dict = {}


class Deal(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.app, self.emulator = APP["app"], APP["app"].extensions["stripe_emulator"]
        # Each example signs users in afresh: with `make soak`'s budget the sign-ins of one
        # test passed the per-IP login limit (429, then "no CSRF token" on a sign-in page).
        limiter.reset()
        self.brand, self.kol = make_user("brand"), make_kol()
        self.admin, self.finance = make_user("admin"), make_user("finance")
        contract = new_deal(self.brand, self.kol, contract_fields=OUTCOME_TERMS).contract
        self.id, self.price, self.total = contract.id, contract.price, contract.brand_total
        self.brand_fee, self.outcome_fee = contract.brand_fee, contract.outcome_fee
        # Outcome settlements (the model's arithmetic, app/outcomes/settlement.py's rules).
        self.commission = self.released_gross = self.settlements = 0
        self.settled_final = False
        self.kol_fee, self.session = contract.kol_fee, checkout(contract.id, self.brand.id)
        self.status, self.note_id, self.rounds = "awaiting_funding", None, 0
        self.onboarded = self.chargeback_closed = False
        self.charged = self.refund_due = self.kol_due = 0  # the reference model
        self.held = 0
        self.faults_pending = False
        FIGURES.add("deals")

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _end_transaction() -> None:
        """End the test's own (read) transaction. The emulator delivers webhooks in-process,
        and each request's commit is only a savepoint on the test's one connection: a
        savepoint left open here would contain it, and a later rollback of a refused action
        would undo what the webhook committed, which no rollback can do in production
        (there every request has its own connection)."""
        db.session.commit()

    def _try(self, action) -> bool:
        FIGURES.add("steps")
        self._end_transaction()
        try:
            action()
            db.session.commit()
            return True
        except DomainError:
            db.session.rollback()
            FIGURES.add("refused")
            return False

    def _stripe(self, kind: str) -> int:
        """What Stripe moved for this contract: failed refunds moved nothing."""
        return sum(
            o["amount"]
            for o in emulator_objects(self.emulator, kind, contract_id=self.id)
            if o.get("status") != "failed"
        )

    def _failed_refunds(self) -> int:
        """Refunds Stripe failed that finance has not retried yet: owed, not moved."""
        return sum(
            db.session.scalars(
                select(Refund.amount).where(
                    Refund.contract_id == self.id, Refund.status == "failed"
                )
            )
        )

    # -- rules -----------------------------------------------------------------------------
    @precondition(lambda self: not self.onboarded)
    @rule()
    def onboard(self):
        if self.faults_pending:
            return  # onboarding is the KOL's own retry; the state machine keeps it clean
        onboard(self.app, self.kol, self.emulator)
        self._end_transaction()
        self.onboarded = True

    @precondition(lambda self: self.status == "awaiting_funding")
    @rule(declines=st.integers(0, 1))
    def fund(self, declines):
        for _ in range(declines):
            self.emulator.faults.decline_next_card(1)
            with pytest.raises(EmulatorError):
                self.emulator.pay_checkout_session(self.session)
        try:
            self.emulator.pay_checkout_session(self.session)
        except EmulatorError:
            return  # a pending fault hit the payment itself: nothing was charged
        self.charged = self.held = self.total
        db.session.expire_all()
        if db.session.get(Contract, self.id).status.value == "funded":
            self.status = "funded"
        else:  # the webhook met a fault: Stripe retries the delivery (drain)
            self.status = "funding_webhook_pending"

    @precondition(lambda self: self.status in ("funded", "changes_requested"))
    @rule()
    def submit(self):
        from tests.notes.support import GOOD_TEXT, png_bytes, upload

        def go():
            if self.note_id is None:
                note = notes.save_draft(
                    contract_id=self.id,
                    kol_id=self.kol.id,
                    new_images=[upload(png_bytes())],
                    **GOOD_TEXT,
                )
                self.note_id = note.id
            notes.submit_note(note_id=self.note_id, kol_id=self.kol.id)

        assert self._try(go)
        self.status = "in_review"

    @precondition(lambda self: self.status == "in_review" and self.rounds < 2)
    @rule()
    def request_changes(self):
        assert self._try(
            lambda: notes.request_changes(
                note_id=self.note_id,
                brand_id=self.brand.id,
                comment="More light",
                brief_item="images",
            )
        )
        self.status, self.rounds = "changes_requested", self.rounds + 1

    @precondition(lambda self: self.status == "in_review")
    @rule()
    def approve(self):
        assert self._try(lambda: notes.approve_note(note_id=self.note_id, brand_id=self.brand.id))
        bps = current_app.config["RELEASE_ON_APPROVAL_BPS"]
        price_part, brand_part = fee_for(self.price, bps), fee_for(self.brand_fee, bps)
        self.kol_due += price_part - fee_for(self.kol_fee, bps)
        self.held -= price_part + brand_part
        self.status = "released"
        FIGURES.add("approvals")

    @rule()
    def cancel(self):
        ok = self._try(
            lambda: cancel_contract(contract_id=self.id, actor_id=self.brand.id, reason="stop")
        )
        # A payment whose webhook has not arrived yet is refunded when it does (late payment).
        assert ok == (self.status in ("awaiting_funding", "funded", "funding_webhook_pending"))
        if ok:
            self.refund_due += self.held
            self.held, self.status = 0, "cancelled"

    @rule(share=st.integers(0, 100))
    def dispute_and_split(self, share):
        disputable = ("funded", "in_review", "changes_requested", "released")
        ok = self._try(
            lambda: open_dispute(contract_id=self.id, user_id=self.kol.id, reason="late")
        )
        assert ok == (self.status in disputable)
        if not ok:
            return
        refund = self.held * share // 100
        assert self._try(
            lambda: resolve_dispute(
                contract_id=self.id, admin_id=self.admin.id, refund_amount=refund, reason="split"
            )
        )
        released = self.held - refund
        self.refund_due += refund
        self.kol_due += released - fee_for(released, current_app.config["KOL_FEE_BPS"])
        self.held, self.status = 0, "resolved"

    @precondition(lambda self: self.status == "released" and not self.settled_final)
    @rule(value=st.integers(1, 300_000), final=st.booleans())
    def order_then_settlement(self, value, final):
        """A genuine click and a confirmed order, then the next weekly (or the final)
        settlement: the increment is released, the final one refunds the cap's rest."""
        contract = db.session.get(Contract, self.id)
        at = contract.approved_at + timedelta(hours=1, minutes=self.settlements)
        click_id = new_click_id(self.note_id, at.timestamp())
        db.session.add(TrackingEvent(event_id=click_id, kind="click", occurred_at=at,
                                     note_id=self.note_id, contract_id=self.id,
                                     campaign_id=contract.campaign_id, visitor=click_id[:60]))  # fmt: skip
        record_conversion(brand_id=self.brand.id, order_id=f"o{self.id}-{self.settlements}",
                          value=value, currency=contract.currency, occurred_at=at,
                          click_id=click_id)  # fmt: skip
        days = 7 * (self.settlements + 1)
        final = final or days >= OUTCOME_TERMS["performance_days"]
        when = contract.approved_at + timedelta(days=30 if final else days)
        assert self._try(lambda: settle_contract(contract_id=self.id, now=when))
        self.settlements += 1
        cap, kol_bps = OUTCOME_TERMS["outcome_cap"], current_app.config["KOL_FEE_BPS"]
        self.commission += fee_for(value, OUTCOME_TERMS["commission_bps"])
        before, after = self.released_gross, min(self.commission, cap)
        share = lambda x: x * self.outcome_fee // cap  # noqa: E731
        self.kol_due += (after - before) - (fee_for(after, kol_bps) - fee_for(before, kol_bps))
        self.held -= (after - before) + share(after) - share(before)
        self.released_gross = after
        if final:
            rest = min(cap + self.outcome_fee - after - share(after), self.held)
            self.refund_due += rest
            self.held -= rest
            self.settled_final = True
        FIGURES.add("final_settlements" if final else "weekly_settlements")

    @precondition(lambda self: self.status in ("funded", "in_review", "changes_requested"))
    @rule()
    def chargeback(self):
        intent = self.emulator.get(self.emulator.get(self.session)["payment_intent"])
        try:
            self.emulator.create_dispute(intent["latest_charge"])
        except EmulatorError:
            return
        self.status = "frozen"  # payouts not yet sent stay on hold: the model owes nothing more
        FIGURES.add("chargebacks")

    @precondition(lambda self: self.status == "frozen" and not self.chargeback_closed)
    @rule(won=st.booleans())
    def chargeback_closes(self, won):
        intent = self.emulator.get(self.emulator.get(self.session)["payment_intent"])
        dispute = self.emulator.get(intent["latest_charge"]) and next(
            o
            for o in emulator_objects(self.emulator, "dispute")
            if o["charge"] == intent["latest_charge"]
        )
        self.emulator.close_dispute(dispute["id"], won=won)
        self.chargeback_closed = True
        if not won:
            self.held = 0  # the brand has its money back from its bank: nothing left to refund
        FIGURES.add("chargebacks_won" if won else "chargebacks_lost")

    @rule(outcome=st.sampled_from(["pending", "fail"]))
    def next_refund_at_stripe(self, outcome):
        self.emulator.faults.next_refunds(outcome)
        FIGURES.add(f"refunds_{outcome}")

    @rule()
    def stripe_processes_refunds(self):
        self._end_transaction()
        self.emulator.settle_refunds()  # pending ones succeed, those set to fail fail

    @rule()
    def finance_retries_failed_refunds(self):
        from app.finance.services import retry_failed_refund

        failed = db.session.scalars(
            select(Refund.id).where(Refund.contract_id == self.id, Refund.status == "failed")
        ).all()
        for refund_id in failed:
            assert self._try(
                lambda refund_id=refund_id: retry_failed_refund(
                    refund_id=refund_id, actor_id=self.finance.id, reason="new card"
                )
            )
        drain_jobs()

    @rule(lost=st.booleans())
    def stripe_fault(self, lost):
        if lost:
            self.emulator.faults.lose_next_response()
        else:
            self.emulator.faults.fail_next(1, status=500)
        self.faults_pending = True
        FIGURES.add("faults")

    @rule()
    def worker_runs(self):
        FIGURES.add("drains")
        for _ in range(4):  # each pass may consume a fault; four always settle
            self.emulator.retry_failed_deliveries()
            drain_jobs()
        self.emulator.faults.reset()
        self.emulator.retry_failed_deliveries()
        drain_jobs()
        self._end_transaction()
        self.emulator.settle_refunds()  # Stripe finishes what it left pending
        self.faults_pending = False
        db.session.expire_all()
        if self.status == "funding_webhook_pending":
            self.status = "funded"
        staged = db.session.scalars(select(StagedJob).where(StagedJob.status == "staged")).all()
        assert [(j.name, j.last_error) for j in staged] == []
        transfers, refunds = self._stripe("transfer"), self._stripe("refund")
        frozen = db.session.get(Contract, self.id).status.value == "frozen"
        waiting = not self.onboarded or frozen
        assert refunds + self._failed_refunds() == self.refund_due
        assert transfers == self.kol_due or (waiting and transfers <= self.kol_due)
        FIGURES.add("settled_checks")

    # -- invariants after every step ---------------------------------------------------------
    @invariant()
    def books_balance(self):
        db.session.expire_all()
        assert ledger_problems() == []
        assert self._stripe("transfer") <= self.kol_due
        assert self._stripe("refund") <= self.refund_due
        assert self.kol_due + self.refund_due <= self.charged
        for payout_id in db.session.scalars(select(Payout.id).where(Payout.contract_id == self.id)):
            assert len(emulator_objects(self.emulator, "transfer", payout_id=payout_id)) <= 1
        status = db.session.get(Contract, self.id).status.value
        if self.status not in ("funding_webhook_pending",):
            assert status == self.status, (status, self.status)
        FIGURES.add("invariant_checks")
        self._end_transaction()  # every rule starts with no transaction of the test's open

    def teardown(self):
        """The next example starts clean: no fault switched on, no failed delivery or staged
        job of this deal left to run during the next one."""
        self.emulator.faults.reset()
        self._end_transaction()
        self.emulator.retry_failed_deliveries()
        drain_jobs()
        self.emulator.webhooks.failed.clear()
        db.session.rollback()


def test_whole_deal_state_machine(app, stripe_emulator):
    APP["app"] = app
    Deal.TestCase.settings = settings(
        max_examples=STATES,
        stateful_step_count=STEPS,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    try:
        Deal.TestCase().runTest()
    finally:
        FIGURES.show()


def test_refused_dispute_after_a_chargeback_leaves_the_contract_frozen(app, stripe_emulator):
    """The sequence the state machine once failed on: refused dispute, fund, submit,
    chargeback, dispute. The contract stays frozen (a dispute on it is refused) and the
    refused dispute undoes nothing the chargeback's webhook committed."""
    APP["app"] = app
    deal = Deal()
    for step in (
        lambda: deal.dispute_and_split(share=40),
        lambda: deal.fund(declines=0),
        deal.submit,
        deal.chargeback,
        lambda: deal.dispute_and_split(share=72),
    ):
        step()
        deal.books_balance()
    assert deal.status == "frozen"
    assert db.session.get(Contract, deal.id).status.value == "frozen"
    deal.teardown()


@pytest.mark.parametrize("split", [None, 30], ids=["to-the-end", "then-disputed"])
def test_weekly_and_final_settlements_follow_the_model(app, stripe_emulator, split):
    """The state machine's outcome steps in a row: orders and weekly settlements until the
    final one, the books and Stripe checked against the model after each (the generated runs
    reach them less often); then, optionally, a dispute splits what is still held."""
    APP["app"] = app
    deal = Deal()
    steps = [deal.onboard, lambda: deal.fund(declines=0), deal.submit, deal.approve]
    steps += [lambda v=v: deal.order_then_settlement(value=v, final=False)
              for v in (30_000, 99_999, 1)]  # fmt: skip
    if split is not None:
        steps.append(lambda: deal.dispute_and_split(share=split))
    else:
        steps.append(lambda: deal.order_then_settlement(value=250_000, final=True))
    for step in [*steps, deal.worker_runs]:
        step()
        deal.books_balance()
    assert deal.settled_final == (split is None)
    deal.teardown()
