"""Finance staff correct the ledger and reconcile through the API (issue 22 parity gaps): the
same services, rules and audit log as the finance pages; admins read, never write."""

from __future__ import annotations

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.finance.models import (
    FinanceAuditLog,
    ReconciliationItem,
    ReconciliationPeriod,
    ReconciliationRun,
)
from app.ledger.models import CASH, REVENUE
from app.ledger.services import Leg, post_entry
from tests.factories import make_api_key, make_user

LEGS = [{"account": "stripe_cash", "amount": 100}, {"account": "platform_revenue", "amount": -100}]


def _auth(role: str = "finance") -> dict:
    return {"Authorization": f"Bearer {make_api_key(make_user(role))}"}


def _entry():
    entry = post_entry(key="books-entry", kind="adjustment", currency="usd", contract_id=None,
                       legs=[Leg(CASH, 500), Leg(REVENUE, -500)])  # fmt: skip
    db.session.commit()
    return entry


def _reconciled_period_with_a_difference():
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    period = ReconciliationPeriod(starts_at=day - timedelta(days=1), ends_at=day)
    db.session.add(period)
    db.session.flush()
    run = ReconciliationRun(period_id=period.id, status="done")
    db.session.add(run)
    db.session.flush()
    item = ReconciliationItem(run_id=run.id, kind="missing_in_ledger", txn_type="charge",
                              currency="usd", stripe_amount=500)  # fmt: skip
    db.session.add(item)
    db.session.commit()
    return period, item


def test_finance_posts_a_correcting_entry_that_must_balance(client):
    entry, auth = _entry(), _auth()
    url = f"/api/v1/finance/entries/{entry.id}/corrections"
    unbalanced = [LEGS[0], {"account": "platform_revenue", "amount": -90}]
    bad = client.post(url, headers=auth, json={"reason": "Typo", "legs": unbalanced})
    assert bad.status_code == 422 and "legs" in bad.get_json()["error"]["fields"]
    no_reason = client.post(url, headers=auth, json={"legs": LEGS})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    posted = client.post(url, headers=auth, json={"reason": "Typo", "legs": LEGS})
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert body["kind"] == "correction" and sorted(x["amount"] for x in body["lines"]) == [
        -100,
        100,
    ]
    audit = db.session.query(FinanceAuditLog).filter_by(action="ledger.correction").one()
    assert audit.object_id == str(entry.id) and audit.reason == "Typo"
    assert (
        client.post(url, headers=_auth("admin"), json={"reason": "x", "legs": LEGS}).status_code
        == 403
    )
    missing = client.post("/api/v1/finance/entries/999999/corrections", headers=auth,
                          json={"reason": "Typo", "legs": LEGS})  # fmt: skip
    assert missing.status_code == 404


def test_finance_starts_a_run_resolves_its_difference_and_closes_the_period(client):
    auth = _auth()
    started = client.post("/api/v1/finance/reconciliation/runs", headers=auth,
                          json={"date_from": "2026-01-01", "date_to": "2026-01-31"})  # fmt: skip
    assert started.status_code == 201 and started.get_json()["status"] == "queued"
    bad_day = client.post("/api/v1/finance/reconciliation/runs", headers=auth,
                          json={"date_from": "soon", "date_to": "2026-01-31"})  # fmt: skip
    assert bad_day.status_code == 422 and "date_from" in bad_day.get_json()["error"]["fields"]

    period, item = _reconciled_period_with_a_difference()
    close = f"/api/v1/finance/reconciliation/periods/{period.id}/close"
    assert client.post(close, headers=auth, json={}).status_code == 409  # a difference is open
    resolve = f"/api/v1/finance/reconciliation/items/{item.id}/resolve"
    no_note = client.post(resolve, headers=auth, json={})
    assert no_note.status_code == 422 and "note" in no_note.get_json()["error"]["fields"]
    assert client.post(resolve, headers=_auth("admin"), json={"note": "x"}).status_code == 403
    resolved = client.post(resolve, headers=auth, json={"note": "Booked by hand"})
    assert (
        resolved.status_code == 200 and resolved.get_json()["resolution_note"] == "Booked by hand"
    )
    assert client.post(resolve, headers=auth, json={"note": "Again"}).status_code == 409
    run_id = resolved.get_json()["run_id"]
    listed = client.get(f"/api/v1/finance/reconciliation/runs/{run_id}/differences",
                        headers=_auth("admin")).get_json()["items"]  # fmt: skip
    assert [(x["id"], x["resolution_note"]) for x in listed] == [(item.id, "Booked by hand")]
    assert client.get("/api/v1/finance/reconciliation/runs/999999/differences",
                      headers=auth).status_code == 404  # fmt: skip
    closed = client.post(close, headers=auth, json={"reason": "January done"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
