"""Brands' billing details and KOLs' tax details through the API (issue 22 parity): the same
services as the settings pages; the tax id is write-only and read back masked, and saving the
tax details releases the payouts that waited for them."""

from __future__ import annotations

from sqlalchemy import select, text

from app.extensions import db
from app.paperwork.crypto import decrypt
from app.payments.models import Payout, PayoutStatus
from app.payments.release import NO_TAX_DETAILS
from tests.factories import make_api_key, make_deal, make_kol, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import onboard

BILLING = {"legal_name": "Glow Ltd", "address": "1 Main St\nAustin TX", "country": "us",
           "tax_id": "EIN 12-3456789"}  # fmt: skip
W8 = {"us_person": False, "legal_name": "Lin Mei", "address": "8 Orchard Rd\nSingapore 238823",
      "tax_residence": "SG", "citizenship": "SG", "tin": "S8765432Z", "treaty_country": "SG",
      "treaty_article": "Art. 15", "treaty_rate_bps": 1000, "certified_name": "Lin Mei",
      "certify": True}  # fmt: skip


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {make_api_key(user)}"}


def test_a_brand_sets_and_reads_its_billing_details(client):
    auth = _auth(make_user("brand"))
    assert client.get("/api/v1/billing-details", headers=auth).status_code == 404
    saved = client.put("/api/v1/billing-details", headers=auth, json=BILLING)
    assert saved.status_code == 200, saved.get_json()
    read = client.get("/api/v1/billing-details", headers=auth).get_json()
    assert read["legal_name"] == "Glow Ltd" and read["country"] == "US"
    assert read["tax_id"] == "EIN 12-3456789"


def test_bad_billing_details_name_the_field_and_other_roles_are_refused(client):
    auth = _auth(make_user("brand"))
    bad = client.put("/api/v1/billing-details", headers=auth, json=BILLING | {"country": "ZZ"})
    assert bad.status_code == 422 and "country" in bad.get_json()["error"]["fields"]
    missing = client.put("/api/v1/billing-details", headers=auth, json={"country": "US"})
    assert missing.status_code == 422 and "legal_name" in missing.get_json()["error"]["fields"]
    assert client.get("/api/v1/billing-details", headers=auth).status_code == 404  # nothing kept
    kol = _auth(make_kol())
    assert client.put("/api/v1/billing-details", headers=kol, json=BILLING).status_code == 403
    assert client.get("/api/v1/billing-details", headers=kol).status_code == 403


def test_the_tax_id_is_write_only_and_read_back_masked(client):
    kol = make_kol()
    auth = _auth(kol)
    assert client.get("/api/v1/tax-details", headers=auth).status_code == 404
    saved = client.put("/api/v1/tax-details", headers=auth, json=W8)
    assert saved.status_code == 200, saved.get_json()
    for answer in (saved.get_json(), client.get("/api/v1/tax-details", headers=auth).get_json()):
        assert answer["tin_masked"] == "•••• 432Z" and "S8765432Z" not in str(answer)
        assert answer["form"] == "w8ben" and answer["treaty_rate_bps"] == 1000
    raw = db.session.execute(
        text("SELECT tin_encrypted FROM kol_tax_details WHERE user_id = :id"), {"id": kol.id}
    ).scalar_one()
    assert "S8765432Z" not in raw and decrypt(raw) == "S8765432Z"


def test_bad_tax_details_name_the_field_and_brands_are_refused(client):
    auth = _auth(make_kol())
    w9 = W8 | {"us_person": True, "tin_type": "ssn", "tin": "12345"}
    bad = client.put("/api/v1/tax-details", headers=auth, json=w9)
    assert bad.status_code == 422 and "tin" in bad.get_json()["error"]["fields"]
    uncertified = client.put("/api/v1/tax-details", headers=auth, json=W8 | {"certify": False})
    assert uncertified.status_code == 422
    assert "certify" in uncertified.get_json()["error"]["fields"]
    rate = client.put("/api/v1/tax-details", headers=auth, json=W8 | {"treaty_rate_bps": 9000})
    assert rate.status_code == 422 and "treaty_rate_bps" in rate.get_json()["error"]["fields"]
    assert client.get("/api/v1/tax-details", headers=auth).status_code == 404
    brand = _auth(make_user("brand"))
    assert client.put("/api/v1/tax-details", headers=brand, json=W8).status_code == 403


def test_saving_tax_details_releases_the_payouts_that_waited(app, client, stripe_emulator):
    kol = make_kol(verified=True)
    onboard(app, kol, stripe_emulator, tax_details=False)
    deal = make_deal("approved", app=app, emulator=stripe_emulator, kol=kol, price=60_000)
    payout = db.session.scalar(select(Payout).where(Payout.contract_id == deal.contract.id))
    assert payout.status == PayoutStatus.WAITING_ONBOARDING and payout.last_error == NO_TAX_DETAILS

    assert client.put("/api/v1/tax-details", headers=_auth(kol), json=W8).status_code == 200
    drain_jobs()
    db.session.expire_all()
    paid = db.session.get(Payout, payout.id)
    assert paid.status == PayoutStatus.PAID and stripe_emulator.get(paid.transfer_id)
