"""Rating, cancelling and disputing a contract through the API (issue 22 parity): the same
services, rules and refunds as the buttons on the contract page."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.contracts.models import Contract, ContractStatus, Rating
from app.extensions import db
from app.payments.models import Refund
from tests.factories import make_api_key, make_contract, make_deal, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def _url(contract, action: str) -> str:
    return f"/api/v1/contracts/{contract.id}/{action}"


def test_a_party_rates_a_completed_contract_once(client):
    contract = make_contract(status=ContractStatus.COMPLETED)
    brand = db.session.get(User, contract.brand_id)
    auth = _auth(brand)
    bad = client.post(_url(contract, "rating"), headers=auth, json={"stars": 6})
    assert bad.status_code == 422 and "stars" in bad.get_json()["error"]["fields"]
    rated = client.post(
        _url(contract, "rating"), headers=auth, json={"stars": 4, "comment": "Good"}
    )
    assert rated.status_code == 201, rated.get_json()
    assert rated.get_json()["ratee_id"] == contract.kol_id and rated.get_json()["stars"] == 4
    again = client.post(_url(contract, "rating"), headers=auth, json={"stars": 5})
    assert again.status_code == 409
    assert db.session.scalars(
        select(Rating.stars).where(Rating.contract_id == contract.id)
    ).all() == [4]


def test_ratings_wait_for_completion_and_outsiders_are_refused(client):
    contract = make_contract(status=ContractStatus.FUNDED)
    kol = db.session.get(User, contract.kol_id)
    early = client.post(_url(contract, "rating"), headers=_auth(kol), json={"stars": 5})
    assert early.status_code == 409
    outsider = client.post(_url(contract, "rating"), headers=_auth(make_user("brand")),
                           json={"stars": 1})  # fmt: skip
    assert outsider.status_code == 404
    finance = client.post(_url(contract, "rating"), headers=_auth(make_user("finance")),
                          json={"stars": 1})  # fmt: skip
    assert finance.status_code == 403


def test_cancelling_a_funded_contract_refunds_the_brand_in_full(app, client, stripe_emulator):
    deal = make_deal()
    fund(app, deal.contract, deal.brand, stripe_emulator)
    auth = _auth(deal.kol)
    no_reason = client.post(_url(deal.contract, "cancel"), headers=auth, json={"reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    outsider = client.post(_url(deal.contract, "cancel"), headers=_auth(make_user("brand")),
                           json={"reason": "Mine now"})  # fmt: skip
    assert outsider.status_code == 404
    cancelled = client.post(_url(deal.contract, "cancel"), headers=auth, json={"reason": "Ill"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    drain_jobs()
    db.session.expire_all()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == deal.contract.id))
    assert refund.status == "succeeded" and refund.amount == deal.contract.brand_total
    again = client.post(_url(deal.contract, "cancel"), headers=auth, json={"reason": "Ill"})
    assert again.status_code == 409


def test_a_party_opens_a_dispute_and_the_money_stays_held(client):
    contract = make_contract(status=ContractStatus.FUNDED)
    brand = db.session.get(User, contract.brand_id)
    auth = _auth(brand)
    missing = client.post(_url(contract, "dispute"), headers=auth, json={})
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    assert client.post(_url(contract, "dispute"), headers=_auth(make_user("kol")),
                       json={"reason": "x"}).status_code == 404  # fmt: skip
    opened = client.post(_url(contract, "dispute"), headers=auth, json={"reason": "No note"})
    assert opened.status_code == 200 and opened.get_json()["status"] == "disputed"
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.DISPUTED
    again = client.post(_url(contract, "dispute"), headers=auth, json={"reason": "Still none"})
    assert again.status_code == 409
