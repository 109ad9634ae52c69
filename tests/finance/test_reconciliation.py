"""Reconciliation against the emulator: a clean period matches completely; seeded
differences are each found; periods close only when every difference is resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import Conflict
from app.extensions import db
from app.finance import reconcile, services
from app.finance.models import (
    AMOUNT_MISMATCH,
    FEE_UNBOOKED,
    MATCHED,
    MISSING_IN_LEDGER,
    MISSING_IN_STRIPE,
    ReconciliationItem,
    ReconciliationRun,
)
from app.ledger.models import CASH, STRIPE_FEES, JournalEntry, LedgerLine
from app.ledger.services import LedgerError, Leg, post_entry
from app.payments import gateway
from app.payments.models import ConnectAccount
from tests.conftest import post_form, signed_in
from tests.factories import make_user
from tests.finance.support import payout_of, refunded_deal, released_deal
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import funding_of


def _run_today(actor_id=None) -> ReconciliationRun:
    today = utcnow().date()
    run = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=actor_id)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    return db.session.get(ReconciliationRun, run.id)


def _items(run_id: int, kind: str | None = None) -> list[ReconciliationItem]:
    stmt = select(ReconciliationItem).where(ReconciliationItem.run_id == run_id)
    if kind:
        stmt = stmt.where(ReconciliationItem.kind == kind)
    return list(db.session.scalars(stmt))


@pytest.mark.usefixtures("books_balance")
def test_a_clean_period_matches_completely(app, stripe_emulator):
    _b, _k, released = released_deal(app, stripe_emulator)
    _b2, _k2, refunded = refunded_deal(app, stripe_emulator)
    finance = make_user("finance")

    run = _run_today(finance.id)

    assert run.status == "done" and run.processed == run.total == 4  # 2 charges, refund, transfer
    assert run.difference_count == 0
    items = _items(run.id)
    assert {i.kind for i in items} == {MATCHED}
    # every charge, its fee, the refund and the transfer each matched to the cent
    assert sorted(i.txn_type for i in items) == sorted(
        ["charge", "stripe_fee", "charge", "stripe_fee", "refund", "transfer"]
    )
    transfer = next(i for i in items if i.txn_type == "transfer")
    assert transfer.stripe_object_id == payout_of(released.id).transfer_id
    assert transfer.stripe_amount == transfer.ledger_amount == -payout_of(released.id).amount
    charge = next(
        i
        for i in items
        if i.stripe_object_id == funding_of(refunded.id).charge_id and i.txn_type == "charge"
    )
    assert charge.stripe_amount == charge.ledger_amount == 31_500
    period = run.period
    assert period.active_run_id is None

    services.close_period(period_id=period.id, actor_id=finance.id)
    db.session.commit()
    assert period.status == "closed"


def test_seeded_differences_are_each_found(app, stripe_emulator):
    _brand, kol, contract = released_deal(app, stripe_emulator)
    finance = make_user("finance")
    # 1. a refund the ledger booked but Stripe never made
    post_entry(
        key="seeded:ghost-refund",
        kind="refund",
        currency="usd",
        contract_id=contract.id,
        stripe_object_id="re_ghost_never_in_stripe",
        legs=[Leg(STRIPE_FEES, 700), Leg(CASH, -700)],
        memo="seeded",
    )
    # 2. a transfer made in Stripe directly, with no ledger entry
    account = db.session.get(ConnectAccount, kol.id)
    stray = gateway.client().v1.transfers.create(
        {"amount": 1_234, "currency": "usd", "destination": account.stripe_account_id}
    )
    # 3. a Stripe fee booked with the wrong amount: remove nothing, add an extra fee entry
    charge_id = funding_of(contract.id).charge_id
    fee_txn = gateway.retrieve_charge(charge_id)["balance_transaction"]
    post_entry(
        key="seeded:fee-again",
        kind="stripe_fee",
        currency="usd",
        contract_id=contract.id,
        stripe_object_id=fee_txn["id"],
        legs=[Leg(STRIPE_FEES, 99), Leg(CASH, -99)],
        memo="seeded",
    )
    db.session.commit()

    run = _run_today(finance.id)

    assert run.status == "done"
    ghost = _items(run.id, MISSING_IN_STRIPE)
    assert [i.stripe_object_id for i in ghost] == ["re_ghost_never_in_stripe"]
    assert ghost[0].ledger_amount == -700
    missing = _items(run.id, MISSING_IN_LEDGER)
    assert [(i.stripe_object_id, i.stripe_amount) for i in missing] == [(stray.id, -1_234)]
    mismatch = _items(run.id, AMOUNT_MISMATCH)
    assert [(i.txn_type, i.stripe_amount, i.ledger_amount) for i in mismatch] == [
        ("stripe_fee", fee_txn["fee"], fee_txn["fee"] + 99)
    ]
    assert run.difference_count == 3
    assert {i.txn_type for i in _items(run.id, MATCHED)} == {"charge", "transfer"}


def test_an_unbooked_stripe_fee_is_reported(app, stripe_emulator):
    _b, _k, contract = released_deal(app, stripe_emulator)
    fee_txn = gateway.retrieve_charge(funding_of(contract.id).charge_id)["balance_transaction"]
    # Seed "the fee job never ran": remove its entry (test-only; the app never deletes).
    entry_id = db.session.scalar(
        select(JournalEntry.id).where(JournalEntry.stripe_object_id == fee_txn["id"])
    )
    db.session.execute(LedgerLine.__table__.delete().where(LedgerLine.entry_id == entry_id))
    db.session.execute(JournalEntry.__table__.delete().where(JournalEntry.id == entry_id))
    db.session.commit()

    run = _run_today(make_user("finance").id)

    (unbooked,) = _items(run.id, FEE_UNBOOKED)
    assert unbooked.balance_transaction_id == fee_txn["id"]
    assert unbooked.stripe_amount == fee_txn["fee"] and unbooked.ledger_amount is None
    assert run.difference_count == 1


def test_a_period_closes_only_once_every_difference_is_resolved(app, stripe_emulator):
    released_deal(app, stripe_emulator)
    finance = make_user("finance")
    post_entry(
        key="seeded:ghost",
        kind="transfer",
        currency="usd",
        contract_id=None,
        stripe_object_id="tr_ghost",
        legs=[Leg(STRIPE_FEES, 100), Leg(CASH, -100)],
    )
    db.session.commit()
    run = _run_today(finance.id)
    (difference,) = _items(run.id, MISSING_IN_STRIPE)

    with pytest.raises(Conflict, match="not resolved"):
        services.close_period(period_id=run.period_id, actor_id=finance.id)
    db.session.rollback()

    correction = services.correct_entry(
        entry_id=difference.entry_id,
        actor_id=finance.id,
        reason="booked a transfer that never happened",
        legs=[(CASH, 100, None), (STRIPE_FEES, -100, None)],
    )
    services.resolve_difference(
        item_id=difference.id,
        actor_id=finance.id,
        note="reversed by a correction",
        correction_entry_id=correction.id,
    )
    period = services.close_period(period_id=run.period_id, actor_id=finance.id)
    db.session.commit()
    assert period.status == "closed"
    actions = [a.action for a in services.FinanceAuditLog.query.order_by("id")]
    assert actions[-3:] == ["ledger.correction", "reconciliation.resolve", "period.close"]


def test_a_closed_period_refuses_new_entries(app, stripe_emulator):
    finance = make_user("finance")
    run = _run_today(finance.id)  # nothing moved today: nothing to resolve
    services.close_period(period_id=run.period_id, actor_id=finance.id)
    db.session.commit()

    with pytest.raises(LedgerError, match="closed period"):
        post_entry(
            key="late",
            kind="correction",
            currency="usd",
            contract_id=None,
            legs=[Leg(STRIPE_FEES, 1), Leg(CASH, -1)],
        )
    db.session.rollback()
    assert db.session.scalar(select(JournalEntry).where(JournalEntry.key == "late")) is None


def test_a_second_run_for_the_same_period_is_refused_while_one_runs(app, stripe_emulator):
    finance = make_user("finance")
    today = utcnow().date()
    first = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=finance.id)
    db.session.commit()  # queued, not run yet
    with pytest.raises(Conflict, match="already in progress"):
        reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=finance.id)
    db.session.rollback()
    # a different period is independent
    other = reconcile.start_reconciliation(
        date_from=today - timedelta(days=1), date_to=today - timedelta(days=1), actor_id=finance.id
    )
    assert other.period_id != first.period_id
    db.session.commit()
    drain_jobs()  # once the first run finishes, the period can be reconciled again
    db.session.expire_all()
    assert db.session.get(ReconciliationRun, first.id).status == "done"
    again = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=finance.id)
    assert again.period_id == first.period_id


def test_the_page_starts_a_run_shows_progress_and_refuses_a_second(app, stripe_emulator):
    client = signed_in(app, make_user("finance"))
    released_deal(app, stripe_emulator)
    today = utcnow().date().isoformat()
    response = post_form(
        client,
        "/finance/reconciliation/start",
        {"date_from": today, "date_to": today},
        page="/finance/reconciliation",
    )
    assert response.status_code == 302
    run_url = response.headers["Location"]
    page = client.get(run_url).get_data(as_text=True)
    assert "No differences: Stripe and the ledger agree to the cent." in page
    status = client.get(run_url + "/status.json").get_json()
    assert status["finished"] and status["processed"] == status["total"] == 2
    assert status["differences"] == 0

    bad = post_form(
        client,
        "/finance/reconciliation/start",
        {"date_from": today, "date_to": "2000-01-01"},
        page="/finance/reconciliation",
    )
    assert bad.status_code == 422
    assert "The end is before the start." in bad.get_data(as_text=True)


def test_the_daily_schedule_reconciles_yesterday(app, stripe_emulator):
    run_id = reconcile.reconcile_yesterday()
    run = db.session.get(ReconciliationRun, run_id)
    assert run.status == "done" and run.started_by is None
    assert run.period.first_day == utcnow().date() - timedelta(days=1)
    assert reconcile.reconcile_yesterday() is not None  # a finished run does not block the next


@pytest.mark.usefixtures("books_balance")
def test_matched_never_exceeds_processed_fees_are_counted_apart(app, stripe_emulator):
    released_deal(app, stripe_emulator)
    refunded_deal(app, stripe_emulator)
    finance = make_user("finance")
    client = signed_in(app, finance)

    run = _run_today(finance.id)

    # 2 charges (each with a fee), a refund, a transfer: 4 transactions, 6 matched items
    assert len(_items(run.id, MATCHED)) == 6
    assert (run.processed, run.matched_count, run.fee_matched_count) == (4, 4, 2)
    status = client.get(f"/finance/reconciliation/runs/{run.id}/status.json").get_json()
    assert (status["processed"], status["matched"], status["fees_matched"]) == (4, 4, 2)
    page = client.get(f"/finance/reconciliation/runs/{run.id}").get_data(as_text=True)
    assert "4 / 4" in page and "2 fees matched too" in page


def test_the_cli_reports_processed_matched_fees_and_each_difference(app, stripe_emulator):
    _brand, kol, _contract = released_deal(app, stripe_emulator)
    account = db.session.get(ConnectAccount, kol.id)
    stray = gateway.client().v1.transfers.create(
        {"amount": 1_234, "currency": "usd", "destination": account.stripe_account_id}
    )
    today = utcnow().date().isoformat()

    result = app.test_cli_runner().invoke(args=["finance", "reconcile", "--from", today])

    assert result.exit_code == 1, result.output
    assert (
        "processed 3 Stripe balance transactions, matched 2 of them; fees matched 1; "
        "1 difference(s)" in result.output
    )
    assert f"missing_in_ledger: transfer {stray.id} stripe=-1234 ledger=None usd" in result.output
