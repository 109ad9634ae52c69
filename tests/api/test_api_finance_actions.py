"""Finance staff hold, release and retry payouts and retry refunds through the API (a parity
gap of issue 22): the same services, rules and audit log as the finance pages."""

from __future__ import annotations

from app.extensions import db
from app.finance.models import FinanceAuditLog
from app.payments.models import Payout, PayoutStatus
from tests.factories import make_api_key, make_contract, make_user


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def _payout(status: PayoutStatus) -> Payout:
    contract = make_contract()
    payout = Payout(contract_id=contract.id, kol_id=contract.kol_id, stage="approval",
                    amount=1000, currency="usd", status=status)  # fmt: skip
    db.session.add(payout)
    db.session.commit()
    return payout


def test_finance_holds_a_payout_with_a_reason_and_releases_it(client):
    finance = make_user("finance")
    auth = _auth(finance)
    payout = _payout(PayoutStatus.STAGED)
    url = f"/api/v1/finance/payouts/{payout.id}"

    no_reason = client.post(f"{url}/hold", headers=auth, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    held = client.post(f"{url}/hold", headers=auth, json={"reason": "KOL under review"})
    assert held.status_code == 200 and held.get_json()["status"] == "on_hold"
    audit = db.session.query(FinanceAuditLog).filter_by(action="payout.hold").one()
    assert audit.actor_id == finance.id and audit.reason == "KOL under review"

    assert client.post(f"{url}/retry", headers=auth, json={}).status_code == 409  # not failed
    released = client.post(f"{url}/release", headers=auth, json={})
    assert released.status_code == 200 and released.get_json()["status"] != "on_hold"


def test_admins_read_the_books_but_never_act_on_them(client):
    payout = _payout(PayoutStatus.FAILED)
    for role in ("admin", "brand", "kol"):
        answer = client.post(f"/api/v1/finance/payouts/{payout.id}/retry",
                             headers=_auth(make_user(role)), json={})  # fmt: skip
        assert answer.status_code == 403
    assert db.session.get(Payout, payout.id).status == PayoutStatus.FAILED
    missing = client.post("/api/v1/finance/refunds/999999/retry",
                          headers=_auth(make_user("finance")), json={})  # fmt: skip
    assert missing.status_code == 404
