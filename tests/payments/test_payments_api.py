import pytest

from app.contracts.lifecycle import mark_submitted
from app.extensions import db
from app.payments.approvals import approve_contract
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_kol,
    make_user,
)
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund, onboard

pytestmark = pytest.mark.usefixtures("books_balance")


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_fund_money_ledger_and_payouts_through_the_api(app, client, stripe_emulator):
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol))
    brand_key, kol_key = make_api_key(brand), make_api_key(kol)

    response = client.post(f"/api/v1/contracts/{contract.id}/fund", headers=_auth(brand_key))
    assert (
        response.status_code == 200
        and "/emulator/checkout/cs_" in response.get_json()["checkout_url"]
    )
    assert (
        client.post(f"/api/v1/contracts/{contract.id}/fund", headers=_auth(kol_key)).status_code
        == 403
    )

    onboard(app, kol, stripe_emulator)
    fund(app, contract, brand, stripe_emulator)
    again = client.post(f"/api/v1/contracts/{contract.id}/fund", headers=_auth(brand_key))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"

    mark_submitted(contract_id=contract.id, by=kol.id)
    approve_contract(contract_id=contract.id, by=brand.id, reason="approved")
    db.session.commit()
    drain_jobs()

    money = client.get(f"/api/v1/contracts/{contract.id}/money", headers=_auth(kol_key))
    body = money.get_json()
    assert body["paid"] == 52_500 and body["held"] == 52_500 - 35_000 - 1_750
    assert body["payouts"][0]["status"] == "paid"
    ledger = client.get(f"/api/v1/contracts/{contract.id}/ledger", headers=_auth(brand_key))
    entries = ledger.get_json()["items"]
    assert {e["kind"] for e in entries} >= {"funding", "release", "transfer"}
    assert all(sum(line["amount"] for line in e["lines"]) == 0 for e in entries)
    payouts = client.get("/api/v1/payouts", headers=_auth(kol_key)).get_json()["items"]
    assert [p["contract_id"] for p in payouts] == [contract.id]


def test_outsiders_get_404_on_money_and_ledger(client):
    contract = make_contract()
    outsider_key = make_api_key(make_user("brand"))
    for path in ("money", "ledger"):
        response = client.get(
            f"/api/v1/contracts/{contract.id}/{path}", headers=_auth(outsider_key)
        )
        assert response.status_code == 404


def test_an_admin_who_reads_a_contract_reads_its_money_and_ledger(client):
    contract = make_contract()
    admin = _auth(make_api_key(make_user("admin")))
    assert client.get(f"/api/v1/contracts/{contract.id}", headers=admin).status_code == 200
    money = client.get(f"/api/v1/contracts/{contract.id}/money", headers=admin)
    assert money.status_code == 200
    assert (money.get_json()["contract_id"], money.get_json()["paid"]) == (contract.id, 0)
    ledger = client.get(f"/api/v1/contracts/{contract.id}/ledger", headers=admin)
    assert ledger.status_code == 200 and ledger.get_json()["items"] == []
