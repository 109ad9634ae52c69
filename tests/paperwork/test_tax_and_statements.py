"""KOLs' tax details gate payouts, are stored encrypted and shown masked; the yearly statement
adds up to the payouts; finance's yearly totals per KOL."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select, text

from app.extensions import db
from app.notifications.models import Notification
from app.paperwork.crypto import decrypt
from app.paperwork.models import KolTaxDetails
from app.payments.models import Payout, PayoutStatus
from app.payments.release import NO_TAX_DETAILS
from tests.conftest import post_form, signed_in
from tests.factories import make_api_key, make_deal, make_kol, make_user
from tests.paperwork.pdf_support import pdf_text
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import onboard

W8 = {"us_person": "no", "legal_name": "Lin Mei", "address": "8 Orchard Rd\nSingapore 238823",
      "tax_residence": "SG", "citizenship": "SG", "tin": "S8765432Z", "tin_type": "", "treaty_country": "",
      "treaty_article": "", "treaty_rate": "", "certified_name": "Lin Mei", "certify": "y"}  # fmt: skip


def _waiting_payout(app, emulator):
    """A released deal whose KOL finished Stripe onboarding but gave no tax details."""
    kol = make_kol(verified=True)
    onboard(app, kol, emulator, tax_details=False)
    deal = make_deal("approved", app=app, emulator=emulator, kol=kol, price=60_000)
    return deal, db.session.scalar(select(Payout).where(Payout.contract_id == deal.contract.id))


def test_a_payout_waits_for_tax_details_and_goes_out_once_given(app, stripe_emulator):
    deal, payout = _waiting_payout(app, stripe_emulator)
    assert payout.status == PayoutStatus.WAITING_ONBOARDING and payout.last_error == NO_TAX_DETAILS
    told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == deal.kol.id)
    ).all()
    assert "payout.tax_details" in told
    client = signed_in(app, deal.kol)
    assert "tax details" in client.get("/notifications").get_data(as_text=True)

    response = post_form(client, "/settings/tax", W8, page="/settings/tax")
    assert response.status_code == 302
    drain_jobs()
    db.session.expire_all()
    paid = db.session.get(Payout, payout.id)
    assert paid.status == PayoutStatus.PAID and stripe_emulator.get(paid.transfer_id)


WHY_EN = "The KOL has not given their tax details (tax residence and tax id)"
WHY_ZH = "达人尚未提供税务信息"


def test_finance_reads_why_a_payout_waits_in_their_language(app, stripe_emulator):
    """Stored as a code: the payouts page and the API say it in the reader's language."""
    _deal, payout = _waiting_payout(app, stripe_emulator)
    finance = make_user("finance")
    key = make_api_key(finance)
    page = signed_in(app, finance)
    assert WHY_EN in page.get("/finance/payouts").get_data(as_text=True)
    listed = page.get("/api/v1/finance/payouts", headers={"Authorization": f"Bearer {key}"})
    [row] = [p for p in listed.get_json()["items"] if p["id"] == payout.id]
    assert row["last_error"].startswith(WHY_EN) and row["hold_reason"] is None

    finance.locale = "zh_Hans"
    db.session.commit()
    shown = page.get("/finance/payouts").get_data(as_text=True)
    assert WHY_ZH in shown and WHY_EN not in shown
    listed = page.get("/api/v1/finance/payouts", headers={"Authorization": f"Bearer {key}"})
    [row] = [p for p in listed.get_json()["items"] if p["id"] == payout.id]
    assert row["last_error"].startswith(WHY_ZH)


def test_the_tax_id_is_stored_encrypted_and_shown_masked(app):
    kol = make_kol()
    client = signed_in(app, kol)
    post_form(client, "/settings/tax", W8, page="/settings/tax")
    raw = db.session.execute(
        text("SELECT tin_encrypted FROM kol_tax_details WHERE user_id = :id"), {"id": kol.id}
    ).scalar_one()
    assert "S8765432Z" not in raw and decrypt(raw) == "S8765432Z"
    page = client.get("/settings/tax").get_data(as_text=True)
    assert "•••• 432Z" in page and "S8765432Z" not in page
    assert db.session.get(KolTaxDetails, kol.id).form == "w8ben"


def test_us_persons_give_w9_facts_and_bad_input_names_the_field(app):
    kol = make_kol()
    client = signed_in(app, kol)
    bad = post_form(client, "/settings/tax", {**W8, "us_person": "yes", "tin_type": "",
                                               "tin": "12-34", "certify": ""},
                    page="/settings/tax")  # fmt: skip
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Choose SSN or EIN." in page and "nine digits" in page and "Certify" in page
    assert db.session.get(KolTaxDetails, kol.id) is None
    good = post_form(client, "/settings/tax", {**W8, "us_person": "yes", "tin_type": "ssn",
                                                "tin": "123-45-6789"}, page="/settings/tax")  # fmt: skip
    assert good.status_code == 302
    details = db.session.get(KolTaxDetails, kol.id)
    assert (details.form, details.tin_type, details.tax_residence, details.tin_last4) == (
        "w9",
        "ssn",
        "US",
        "6789",
    )


def test_the_yearly_statement_adds_up_to_the_payouts(app, stripe_emulator):
    kol = make_kol(verified=True)
    onboard(app, kol, stripe_emulator)
    deals = [make_deal("approved", app=app, emulator=stripe_emulator, kol=kol, price=p)
             for p in (40_000, 65_000)]  # fmt: skip
    payouts = db.session.scalars(select(Payout).where(Payout.kol_id == kol.id)).all()
    assert len(payouts) == len(deals) and all(p.status == PayoutStatus.PAID for p in payouts)
    year = payouts[0].paid_at.year
    paid = sum(p.amount - p.amount_reversed for p in payouts)
    client = signed_in(app, kol)

    rows = list(csv.DictReader(io.StringIO(client.get(f"/earnings/yearly.csv?year={year}").text)))
    assert sorted(int(r["payout_id"]) for r in rows) == sorted(p.id for p in payouts)
    assert sum(int(r["kept_minor"]) for r in rows) == paid
    from app.money import format_money

    with app.test_request_context():
        total = format_money(paid, "usd")
    assert total in client.get(f"/earnings/yearly?year={year}").get_data(as_text=True)
    text_ = pdf_text(client.get(f"/earnings/yearly.pdf?year={year}").data)
    assert f"Earningsstatement{year}" in text_ and "".join(total.split()) in text_
    assert "567D" in text_ and "S1234567D" not in text_  # the tax id, masked
    assert client.get("/earnings/yearly.csv?year=20x6").status_code == 400
    assert client.get(f"/earnings/yearly.csv?year={year - 1}").text.count("\n") == 1  # header

    finance = signed_in(app, make_user("finance"))
    totals = list(csv.DictReader(io.StringIO(
        finance.get(f"/finance/paperwork/kol-totals.csv?year={year}").text)))  # fmt: skip
    (mine,) = [r for r in totals if r["kol_id"] == str(kol.id)]
    assert int(mine["kept_minor"]) == paid and mine["payouts"] == "2"
    assert mine["tax_residence"] == "SG" and mine["tax_id_masked"].endswith("567D")
    assert "S1234567D" not in finance.get(f"/finance/paperwork/kol-totals.csv?year={year}").text


def test_production_refuses_to_start_without_a_tax_id_key():
    import pytest

    from app import create_app
    from tests.factories import PRODUCTION_STRIPE

    settings = {**PRODUCTION_STRIPE, "SECRET_KEY": "k3Jx9-p2QvLr8sT0wYz4aB6cD1eF5gH7iJ",
                "SQLALCHEMY_DATABASE_URI": "sqlite://"}  # fmt: skip
    for bad in ("", "not-a-fernet-key"):
        with pytest.raises(RuntimeError, match="TAX_ID_ENCRYPTION_KEY"):
            create_app("production", **{**settings, "TAX_ID_ENCRYPTION_KEY": bad})
    assert create_app("production", **settings).config["TAX_ID_ENCRYPTION_KEY"]
