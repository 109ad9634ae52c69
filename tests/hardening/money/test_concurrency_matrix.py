"""Every money action raced: THREADS simultaneous requests on each of OBJECTS objects, through
HTTP (the test client on threads, each request its own session and connection).

Actions: start checkout, the funding webhook, approve, cancel, the dispute split, finance's
payout retry and refund retry, accept bid.

Exactly one side effect per object (counted in the Stripe emulator and the ledger), the losers
get a clear 409 / refusal or the same result, no server error, every ledger invariant holds.
CI runs 32 x 4 objects per action; ``make soak`` (SOAK=1) runs 32 x 20. PostgreSQL only: SQLite
ignores row locks, so a race there proves nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import select

from app.bids.models import Bid
from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from app.ledger.checks import ledger_problems
from app.ledger.models import JournalEntry
from app.payments.disputes import open_dispute
from app.payments.emulator import sign_payload
from app.payments.models import (
    DisputeResolution,
    Funding,
    Payout,
    PayoutStatus,
    Refund,
    RefundAttempt,
)
from app.payments.refunds import cancel_contract
from tests.conftest import csrf_token, signed_in
from tests.factories import make_api_key, make_user
from tests.hardening.money.deals import checkout, count, funded, new_deal, parties, submitted
from tests.hardening.money.support import (
    OBJECTS,
    THREADS,
    Figures,
    emulator_objects,
    race,
    server_errors,
    session_cookie,
    shared_client,
)
from tests.payments.conftest import drain_jobs

pytestmark = pytest.mark.postgres


@pytest.fixture
def money(committing_app):
    emulator = committing_app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    with committing_app.app_context():
        yield committing_app, emulator
        db.session.remove()
        db.session.expire_all()
        assert ledger_problems() == []
        db.session.remove()


def _api(app, key: str):
    def post(url: str, **kwargs):
        client = app.test_client()
        return client.post(url, headers={"Authorization": f"Bearer {key}"}, **kwargs)

    return post


def _web_login(app, user, page: str = "/") -> tuple[str, str]:
    client = signed_in(app, user)
    token = csrf_token(client, page)
    return session_cookie(client), token


def _flash(client) -> str:
    with client.session_transaction() as session:
        flashes = session.get("_flashes") or []
    return ",".join(category for category, _message in flashes) or "no-flash"


def _matrix(figures: Figures, objects: list, call, check) -> None:
    """Race each object; ``check(obj, outcomes)`` returns the side effects it counted."""
    all_outcomes: Counter = Counter()
    for obj in objects:
        outcomes = race(THREADS, lambda i, obj=obj: call(obj, i))
        all_outcomes.update(outcomes)
        assert server_errors(outcomes) == 0, outcomes
        db.session.expire_all()
        figures.add("side_effects", check(obj, outcomes))
    figures.add("objects", len(objects))
    figures.add("requests", sum(all_outcomes.values()))
    figures.add("server_errors", server_errors(all_outcomes))
    for outcome, n in all_outcomes.items():
        figures.add(f"'{outcome}'", n)
    figures.show()


def test_start_checkout_race_makes_one_session(money):
    app, emulator = money
    brand, kol = parties(app, emulator, onboarded=False)
    contracts = [new_deal(brand, kol).contract.id for _ in range(OBJECTS)]
    post = _api(app, make_api_key(brand))

    def call(contract, _i):
        response = post(f"/api/v1/contracts/{contract}/fund")
        return response.status_code, (response.get_json() or {}).get("checkout_url", "")[-12:]

    def check(contract, outcomes):
        sessions = emulator_objects(emulator, "checkout.session", contract_id=contract)
        assert len(sessions) == 1 and count(Funding, contract_id=contract) == 1
        assert list(outcomes) == [f"200 {sessions[0]['url'][-12:]}"]  # the same URL to all
        return len(sessions)

    _matrix(Figures("start checkout"), contracts, call, check)


def test_funding_webhook_race_books_once(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    emulator.hold_webhooks(True)
    contracts = [new_deal(brand, kol).contract for _ in range(OBJECTS)]
    for contract in contracts:
        emulator.pay_checkout_session(checkout(contract.id, brand.id))
    contracts = [c.id for c in contracts]
    held = emulator.webhooks.take_held()
    emulator.hold_webhooks(False)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]

    def payloads(contract) -> list[bytes]:
        wanted = ("checkout.session.completed", "payment_intent.succeeded")
        return [
            json.dumps(e).encode()
            for e in held
            if e["type"] in wanted
            and (e["data"]["object"].get("metadata") or {}).get("contract_id") == str(contract)
        ]

    def call(contract, i):
        options = payloads(contract)
        body = options[i % len(options)]  # both events that can fund it, 16 copies each
        response = app.test_client().post(
            "/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": sign_payload(body, secret)},
        )
        return response.status_code, (response.get_json() or {}).get("outcome", "")

    def check(contract, outcomes):
        entries = count(JournalEntry, contract_id=contract, kind="funding")
        assert entries == 1
        assert db.session.get(Contract, contract).status == ContractStatus.FUNDED
        assert sum(n for k, n in outcomes.items() if k.startswith("200")) == THREADS
        assert outcomes["200 processed"] == 2  # each event acted on once, duplicates ignored
        return entries

    _matrix(Figures("funding webhook"), contracts, call, check)


def test_approve_race_makes_one_transfer(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    deals = [tuple(o.id for o in submitted(app, emulator, brand, kol)) for _ in range(OBJECTS)]
    post = _api(app, make_api_key(brand))

    def call(deal, _i):
        response = post(f"/api/v1/notes/{deal[1]}/approve")
        return response.status_code, ""

    def check(deal, outcomes):
        contract = deal[0]
        transfers = emulator_objects(emulator, "transfer", contract_id=contract)
        assert len(transfers) == 1 and count(Payout, contract_id=contract) == 1
        assert count(JournalEntry, contract_id=contract, kind="transfer") == 1
        assert outcomes == Counter({"200": 1, "409": THREADS - 1})
        return len(transfers)

    _matrix(Figures("approve/release"), deals, call, check)


def test_cancel_race_makes_one_refund(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    contracts = [funded(app, emulator, brand, kol) for _ in range(OBJECTS)]
    totals = {c.id: c.brand_total for c in contracts}
    contracts = list(totals)
    cookie, token = _web_login(app, brand, f"/contracts/{contracts[0]}")

    def call(contract, _i):
        client = shared_client(app, cookie)
        response = client.post(
            f"/contracts/{contract}/cancel", data={"reason": "stop", "csrf_token": token}
        )
        return response.status_code, _flash(client)

    def check(contract, outcomes):
        refunds = emulator_objects(emulator, "refund", contract_id=contract)
        assert len(refunds) == 1 and count(Refund, contract_id=contract) == 1
        assert refunds[0]["amount"] == totals[contract]  # everything the brand paid
        assert outcomes == Counter({"302 success": 1, "302 error": THREADS - 1})
        return len(refunds)

    _matrix(Figures("cancel/refund"), contracts, call, check)


def test_dispute_split_race_moves_money_once(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    contracts = []
    for _ in range(OBJECTS):
        contract, _note = submitted(app, emulator, brand, kol)
        open_dispute(contract_id=contract.id, user_id=kol.id, reason="brand went silent")
        db.session.commit()
        contracts.append(contract.id)
    admin = make_user("admin")
    cookie, token = _web_login(app, admin, f"/admin/disputes/{contracts[0]}")

    def call(contract, _i):
        response = shared_client(app, cookie).post(
            f"/admin/disputes/{contract}",
            data={"refund_amount": "150", "reason": "half the work", "csrf_token": token},
        )
        return response.status_code, ""

    def check(contract, outcomes):
        refunds = emulator_objects(emulator, "refund", contract_id=contract)
        transfers = emulator_objects(emulator, "transfer", contract_id=contract)
        assert [r["amount"] for r in refunds] == [15_000] and len(transfers) == 1
        assert count(DisputeResolution, contract_id=contract) == 1
        assert outcomes == Counter({"302": 1, "409": THREADS - 1})
        return len(refunds) + len(transfers)

    _matrix(Figures("dispute split"), contracts, call, check)


def test_payout_retry_race_pays_once(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    payouts = []
    for _ in range(OBJECTS):
        contract, note = submitted(app, emulator, brand, kol)
        emulator.faults.fail_next(1, status=400)  # Stripe refuses: the payout fails
        response = _api(app, make_api_key(brand))(f"/api/v1/notes/{note.id}/approve")
        assert response.status_code == 200
        db.session.expire_all()
        payout = db.session.scalar(select(Payout).where(Payout.contract_id == contract.id))
        assert payout.status == PayoutStatus.FAILED
        payouts.append(payout.id)
    finance = make_user("finance")
    cookie, token = _web_login(app, finance, "/finance/payouts")

    def call(payout, _i):
        client = shared_client(app, cookie)
        response = client.post(
            f"/finance/payouts/{payout}/retry", data={"reason": "fixed", "csrf_token": token}
        )
        return response.status_code, _flash(client)

    def check(payout, outcomes):
        transfers = emulator_objects(emulator, "transfer", payout_id=payout)
        assert len(transfers) == 1
        assert db.session.get(Payout, payout).status == PayoutStatus.PAID
        assert outcomes == Counter({"302 success": 1, "302 error": THREADS - 1})
        return len(transfers)

    _matrix(Figures("payout retry"), payouts, call, check)


def test_refund_retry_race_refunds_once(money):
    app, emulator = money
    brand, kol = parties(app, emulator)
    refunds = []
    for _ in range(OBJECTS):
        contract = funded(app, emulator, brand, kol)
        drain_jobs()  # the funding's own jobs run before the fault is armed
        cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="changed plans")
        db.session.commit()
        emulator.faults.fail_next(1, status=400)  # Stripe refuses: the refund fails
        drain_jobs()
        db.session.expire_all()
        refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
        assert refund.status == "failed"
        refunds.append((refund.id, refund.amount))
    finance = make_user("finance")
    cookie, token = _web_login(app, finance, "/finance/refunds")

    def call(refund, _i):
        client = shared_client(app, cookie)
        response = client.post(
            f"/finance/refunds/{refund[0]}/retry", data={"reason": "fixed", "csrf_token": token}
        )
        return response.status_code, _flash(client)

    def check(refund, outcomes):
        made = emulator_objects(emulator, "refund", refund_id=refund[0])
        assert [r["amount"] for r in made] == [refund[1]]
        assert db.session.get(Refund, refund[0]).status == "succeeded"
        assert count(RefundAttempt, refund_id=refund[0]) == 1
        assert outcomes == Counter({"302 success": 1, "302 error": THREADS - 1})
        return len(made)

    _matrix(Figures("refund retry"), refunds, call, check)


def test_accept_bid_race_makes_one_contract(money):
    app, emulator = money
    brand, kol = parties(app, emulator, onboarded=False)
    bids = [new_deal(brand, kol, "bid").bid.id for _ in range(OBJECTS)]
    post = _api(app, make_api_key(brand))

    def call(bid, _i):
        return post(f"/api/v1/bids/{bid}/accept").status_code, ""

    def check(bid, outcomes):
        contracts = count(Contract, bid_id=bid)
        assert contracts == 1
        assert db.session.get(Bid, bid).status.value == "accepted"
        assert outcomes == Counter({"201": 1, "409": THREADS - 1})
        return contracts

    _matrix(Figures("accept bid"), bids, call, check)
