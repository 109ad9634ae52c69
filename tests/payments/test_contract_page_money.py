"""The shared contract page drives the money: fund (POST to Checkout), cancel, dispute."""

import pytest

from app.contracts.models import Contract, ContractStatus
from app.extensions import db
from tests.conftest import post_form, sign_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

pytestmark = pytest.mark.usefixtures("books_balance")


def test_brand_funds_from_the_contract_page_and_sees_the_money(app, client, stripe_emulator):
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol))
    sign_in(client, brand)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert f'action="/contracts/{contract.id}/fund"' in page and "$525.00" in page
    response = post_form(client, f"/contracts/{contract.id}/fund", page=f"/contracts/{contract.id}")
    assert response.status_code == 303 and "/emulator/checkout/" in response.headers["Location"]
    stripe_emulator.pay_checkout_session(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Receipt" in page and "Open a dispute" in page


def test_kol_cancels_an_unfunded_contract_from_the_page(app, client):
    kol = make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(), kol))
    sign_in(client, kol)
    response = post_form(
        client,
        f"/contracts/{contract.id}/cancel",
        {"reason": "sick"},
        page=f"/contracts/{contract.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.CANCELLED


def test_outsider_cannot_cancel(app, client):
    contract = make_contract()
    other = make_user("brand")
    sign_in(client, other)
    response = post_form(client, f"/contracts/{contract.id}/cancel", {"reason": "x"}, page="/")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == ContractStatus.AWAITING_FUNDING
