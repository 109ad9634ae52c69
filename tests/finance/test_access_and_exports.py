"""Who reaches /finance (finance acts, admins only look, others 403) and the CSV exports."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.csvsafe import safe_cell
from app.extensions import db
from app.finance import services
from app.ledger.models import JournalEntry
from app.payments.models import Payout, PayoutStatus
from tests.conftest import post_form, signed_in
from tests.factories import make_user
from tests.finance.support import payout_of, released_deal

PAGES = [
    "/finance",
    "/finance/ledger",
    "/finance/ledger/accounts",
    "/finance/payouts",
    "/finance/reconciliation",
    "/finance/audit",
    "/finance/ledger/export.csv",
    "/finance/payouts/export.csv",
    "/finance/audit/export.csv",
    "/finance/exports/campaign-pnl.csv",
]


@pytest.mark.parametrize("role", ["brand", "kol"])
def test_brands_and_kols_are_refused(app, role):
    client = signed_in(app, make_user(role))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert (
        post_form(client, "/finance/payouts/1/hold", {"reason": "x"}, page="/").status_code == 403
    )


def test_admins_can_look_but_not_act(app, stripe_emulator):
    _b, _k, contract = released_deal(app, stripe_emulator)
    payout = payout_of(contract.id)
    entry_id = db.session.scalar(select(JournalEntry.id).limit(1))
    client = signed_in(app, make_user("admin"))
    for url in PAGES:
        assert client.get(url).status_code == 200, url
    page = client.get("/finance/payouts").get_data(as_text=True)
    assert "Hold</button>" not in page and 'name="payout_id"' not in page
    assert "Only finance staff can post corrections." in client.get(
        f"/finance/ledger/entries/{entry_id}"
    ).get_data(as_text=True)
    token_page = "/finance/reconciliation"
    for url, data in [
        (f"/finance/payouts/{payout.id}/hold", {"reason": "x"}),
        (f"/finance/payouts/{payout.id}/retry", {}),
        (f"/finance/payouts/{payout.id}/release", {}),
        ("/finance/payouts/bulk", {"action": "hold", "reason": "x", "payout_id": payout.id}),
        (
            "/finance/payouts/bulk/confirm",
            {"action": "hold", "reason": "x", "payout_id": payout.id},
        ),
        (f"/finance/ledger/entries/{entry_id}/correct", {"reason": "x"}),
        ("/finance/reconciliation/start", {"date_from": "2024-01-01", "date_to": "2024-01-01"}),
        ("/finance/reconciliation/items/1/resolve", {"note": "x"}),
        ("/finance/reconciliation/periods/1/close", {}),
    ]:
        assert post_form(client, url, data, page=token_page).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.PAID


def test_admins_are_refused_by_the_services_too(app):
    admin = make_user("admin")
    from app.errors import Forbidden

    with pytest.raises(Forbidden):
        services.hold_payout(payout_id=1, actor_id=admin.id, reason="x")


def test_missing_objects_answer_404(app):
    client = signed_in(app, make_user("finance"))
    for url in (
        "/finance/ledger/entries/999999",
        "/finance/contracts/999999",
        "/finance/reconciliation/runs/999999",
        "/finance/reconciliation/runs/999999/status.json",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        post_form(
            client, "/finance/payouts/999999/hold", {"reason": "x"}, page="/finance/payouts"
        ).status_code
        == 404
    )


def test_cells_that_look_like_formulas_are_escaped():
    assert safe_cell('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert safe_cell("+1+1") == "'+1+1"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(-31500) == "-31500"  # our own numbers stay numbers
    assert safe_cell("plain") == "plain"


def test_exports_escape_user_text_and_keep_amounts(app, stripe_emulator):
    _b, _k, contract = released_deal(app, stripe_emulator)
    client = signed_in(app, make_user("finance"))
    payout = payout_of(contract.id)
    db.session.get(Payout, payout.id).hold_reason = "=cmd|' /C calc'!A0"
    db.session.commit()

    payouts = list(
        csv.DictReader(
            io.StringIO(client.get("/finance/payouts/export.csv").get_data(as_text=True))
        )
    )
    assert payouts[0]["hold_reason"] == "'=cmd|' /C calc'!A0"
    assert payouts[0]["amount_minor"] == "31500" and payouts[0]["amount"] == "315.00"

    response = client.get(f"/finance/ledger/export.csv?contract={contract.id}&kind=transfer")
    assert response.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {line["entry_kind"] for line in lines} == {"transfer"}
    cash = next(line for line in lines if line["account_kind"] == "stripe_cash")
    assert cash["amount_minor"] == "-31500" and cash["amount"] == "-315.00"
    assert cash["created_at"].endswith("Z")
