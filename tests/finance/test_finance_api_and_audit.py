"""Read-only finance API, admin actions in the audit log, the KOL's monthly statement."""

from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.finance.models import FinanceAuditLog
from tests.conftest import post_form, sign_in
from tests.factories import make_api_key, make_deal, make_user


def test_finance_api_reads_figures_payouts_and_entries(app, client, stripe_emulator):
    deal = make_deal("released", app=app, emulator=stripe_emulator, onboarded=True)
    kol, contract = deal.kol, deal.contract
    key = make_api_key(make_user("finance"))
    auth = {"Authorization": f"Bearer {key}"}
    summary = client.get("/api/v1/finance/summary", headers=auth).get_json()
    assert summary["figures"]["usd"]["funded"] == 52_500
    payouts = client.get("/api/v1/finance/payouts?status=paid", headers=auth).get_json()
    assert [p["contract_id"] for p in payouts["items"]] == [contract.id]
    entries = client.get(
        f"/api/v1/finance/entries?contract_id={contract.id}", headers=auth
    ).get_json()["items"]
    assert {e["kind"] for e in entries} >= {"funding", "release", "transfer"}
    bad = client.get("/api/v1/finance/payouts?status=nope", headers=auth)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]
    kol_key = make_api_key(kol)
    assert (
        client.get(
            "/api/v1/finance/summary", headers={"Authorization": f"Bearer {kol_key}"}
        ).status_code
        == 403
    )


def test_admin_actions_are_audited(client):
    admin, brand = make_user("admin"), make_user("brand")
    sign_in(client, admin)
    post_form(client, f"/admin/users/{brand.id}/disable", {"reason": "spam"}, page="/admin/users")
    row = db.session.scalar(
        select(FinanceAuditLog).where(FinanceAuditLog.action == "account.disable")
    )
    assert row.actor_id == admin.id and row.object_id == str(brand.id) and row.reason == "spam"


def test_kol_monthly_statement_lists_paid_payouts(app, client, stripe_emulator):
    deal = make_deal("released", app=app, emulator=stripe_emulator, onboarded=True)
    kol, contract = deal.kol, deal.contract
    sign_in(client, kol)
    page = client.get(f"/earnings/statement?month={utcnow():%Y-%m}").get_data(as_text=True)
    assert f"#{contract.id}" in page and "$315.00" in page
    assert "No payouts" in client.get("/earnings/statement?month=2001-01").get_data(as_text=True)
    assert client.get("/earnings/statement?month=nope").status_code == 302
