"""Transfer reversals (``transfer.reversed``): each reversal booked once, balanced, cash back from
the KOL and payable to them again; the payout shows it (reversed in full → "reversed"); finance
is told; duplicates, a late job and transfers that are not ours change nothing more."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.contracts.lifecycle import mark_submitted
from app.extensions import db
from app.ledger.models import JournalEntry
from app.ledger.services import PAYABLE, balance
from app.notifications.models import Notification
from app.payments import gateway
from app.payments.approvals import approve_contract
from app.payments.emulator import sign_payload
from app.payments.models import Payout, PayoutStatus
from tests.conftest import sign_in, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _paid_payout(app, emulator):
    """Funded, approved, the first share transferred to the KOL's Connect account."""
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol, price=50_000))
    onboard(app, kol, emulator)
    fund(app, contract, brand, emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status == PayoutStatus.PAID
    return kol, contract, payout


def _reverse(transfer_id: str, amount: int | None = None) -> dict:
    """What finance does in Stripe's Dashboard: the webhook follows."""
    params = {} if amount is None else {"amount": amount}
    reversal = gateway.client().v1.transfers.reversals.create(transfer_id, params)
    db.session.expire_all()
    return reversal.to_dict()


def _reversal_entries(contract_id: int) -> list[JournalEntry]:
    return list(
        db.session.scalars(
            select(JournalEntry).where(
                JournalEntry.contract_id == contract_id, JournalEntry.kind == "transfer_reversal"
            )
        )
    )


def _legs(entry: JournalEntry) -> list[tuple[str, int]]:
    return sorted((line.account.kind, line.amount) for line in entry.lines)


def test_a_full_reversal_is_booked_once_and_marks_the_payout(app, stripe_emulator):
    finance = make_user("finance")
    kol, contract, payout = _paid_payout(app, stripe_emulator)
    payable_before = balance(PAYABLE, "usd", user_id=kol.id)

    reversal = _reverse(payout.transfer_id)

    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.REVERSED and payout.amount_reversed == payout.amount
    [entry] = _reversal_entries(contract.id)
    assert entry.stripe_object_id == reversal["id"]
    assert _legs(entry) == [("payable", -payout.amount), ("stripe_cash", payout.amount)]
    assert balance(PAYABLE, "usd", user_id=kol.id) == payable_before + payout.amount
    told = db.session.scalars(
        select(Notification).where(
            Notification.user_id == finance.id, Notification.kind == "transfer_reversed"
        )
    ).all()
    assert len(told) == 1 and payout.transfer_id in told[0].message

    # The event again, and a later event about the same transfer: nothing more is booked.
    event = stripe_emulator.events("transfer.reversed")[-1]
    for event_id in (event["id"], f"{event['id']}_later"):
        body = json.dumps({**event, "id": event_id}).encode()
        signature = sign_payload(body, app.config["STRIPE_WEBHOOK_SECRET"])
        response = app.test_client().post(
            "/webhooks/stripe", data=body, headers={"Stripe-Signature": signature}
        )
        assert response.status_code == 200
    db.session.expire_all()
    assert len(_reversal_entries(contract.id)) == 1
    assert db.session.get(Payout, payout.id).amount_reversed == payout.amount
    assert (
        len(
            db.session.scalars(
                select(Notification).where(Notification.kind == "transfer_reversed")
            ).all()
        )
        == 1
    )


def test_partial_reversals_add_up_and_the_payout_stays_paid(app, stripe_emulator):
    _kol, contract, payout = _paid_payout(app, stripe_emulator)
    first, second = payout.amount // 4, payout.amount // 5

    _reverse(payout.transfer_id, first)
    _reverse(payout.transfer_id, second)

    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.PAID and payout.amount_reversed == first + second
    entries = _reversal_entries(contract.id)
    assert sorted(_legs(e)[1][1] for e in entries) == sorted([first, second])
    # The rest: reversed in full now.
    _reverse(payout.transfer_id)
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.REVERSED and payout.amount_reversed == payout.amount
    assert len(_reversal_entries(contract.id)) == 3


def test_the_kol_and_the_brand_see_the_reversal(app, stripe_emulator):
    kol, contract, payout = _paid_payout(app, stripe_emulator)
    _reverse(payout.transfer_id, 10_000)
    client = signed_in(app, kol)
    earnings = client.get("/earnings").get_data(as_text=True)
    assert "$100.00 reversed" in earnings
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "transfer reversed $100.00" in page


def test_a_reversal_that_overtakes_the_transfer_job_is_booked_once(
    app, stripe_emulator, monkeypatch
):
    """The worker dies after Stripe moved the money; the reversal's event arrives first."""
    from app.payments import release

    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol, price=50_000))
    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()

    def crash(name):
        if name == "after_transfer_call":
            raise SystemError("worker died after the transfer call")

    monkeypatch.setattr(release, "failpoint", crash)
    drain_jobs()  # the job fails after Stripe's answer: it stays staged
    monkeypatch.undo()
    db.session.expire_all()
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
    assert payout.status == PayoutStatus.PROCESSING and payout.transfer_id is None
    [transfer] = [
        o for o in stripe_emulator.store.objects.values()
        if o.get("object") == "transfer" and o["metadata"].get("payout_id") == str(payout.id)
    ]  # fmt: skip

    _reverse(transfer["id"])
    payout = db.session.get(Payout, payout.id)
    assert payout.transfer_id == transfer["id"] and payout.status == PayoutStatus.REVERSED

    drain_jobs()  # the job's re-run finds the payout settled and calls Stripe no more
    db.session.expire_all()
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.REVERSED
    kinds = db.session.scalars(
        select(JournalEntry.kind).where(JournalEntry.contract_id == contract.id)
    ).all()
    assert kinds.count("transfer") == 1 and kinds.count("transfer_reversal") == 1


def test_a_reversed_transfer_that_is_not_ours_is_ignored(app, stripe_emulator):
    _kol, contract, payout = _paid_payout(app, stripe_emulator)
    # A transfer made outside the app (no payout id) to the same account, then reversed.
    account = stripe_emulator.get(payout.transfer_id)["destination"]
    other = gateway.client().v1.transfers.create(
        {"amount": 500, "currency": "usd", "destination": account}
    )
    _reverse(other.id)
    assert _reversal_entries(contract.id) == []
    assert db.session.get(Payout, payout.id).amount_reversed == 0


def test_a_booked_reversal_reconciles_with_stripe(app, stripe_emulator):
    from app.db_types import utcnow
    from app.finance import reconcile
    from app.finance.models import MATCHED, ReconciliationItem, ReconciliationRun

    _kol, _contract, payout = _paid_payout(app, stripe_emulator)
    reversal = _reverse(payout.transfer_id, 5_000)
    today = utcnow().date()
    run = reconcile.start_reconciliation(date_from=today, date_to=today, actor_id=None)
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    run = db.session.get(ReconciliationRun, run.id)
    assert run.status == "done" and run.difference_count == 0
    item = db.session.scalar(
        select(ReconciliationItem).where(
            ReconciliationItem.run_id == run.id,
            ReconciliationItem.stripe_object_id == reversal["id"],
        )
    )
    assert (item.kind, item.stripe_amount, item.ledger_amount) == (MATCHED, 5_000, 5_000)


def test_the_reversed_amount_is_in_the_api_and_the_payouts_export(app, stripe_emulator):
    import csv
    import io

    from tests.factories import make_api_key

    kol, _contract, payout = _paid_payout(app, stripe_emulator)
    _reverse(payout.transfer_id, 10_000)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {make_api_key(kol)}"}
    mine = client.get("/api/v1/payouts", headers=headers).get_json()["items"]
    assert [(p["id"], p["amount_reversed"]) for p in mine] == [(payout.id, 10_000)]
    finance = make_user("finance")
    staff = {"Authorization": f"Bearer {make_api_key(finance)}"}
    listed = client.get("/api/v1/finance/payouts", headers=staff).get_json()["items"]
    assert {p["id"]: p["amount_reversed"] for p in listed}[payout.id] == 10_000
    sign_in(client, finance)
    rows = list(csv.DictReader(io.StringIO(client.get("/finance/payouts/export.csv").text)))
    assert {r["payout_id"]: r["amount_reversed_minor"] for r in rows}[str(payout.id)] == "10000"
