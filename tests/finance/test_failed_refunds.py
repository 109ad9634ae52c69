"""Failed refunds in the finance console: listed with what finance needs, retried by finance only
(a new idempotency key, audit-logged), read-only for admins, paginated, in Chinese too."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select

from app.extensions import db
from app.finance import queries
from app.finance.models import FinanceAuditLog
from app.payments.models import Refund, RefundAttempt
from app.payments.refunds import cancel_contract
from tests.conftest import post_form, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user
from tests.payments.conftest import drain_jobs
from tests.payments.money_support import fund

pytestmark = pytest.mark.usefixtures("books_balance")


def _failed_refund(app, emulator, *, price: int = 30_000) -> Refund:
    """Funded, cancelled, and the refund refused by Stripe."""
    brand, kol = make_user("brand"), make_kol(verified=True)
    contract = make_contract(make_bid(make_campaign(brand), kol, price=price))
    fund(app, contract, brand, emulator)
    drain_jobs()
    cancel_contract(contract_id=contract.id, actor_id=brand.id, reason="recalled")
    db.session.commit()
    emulator.faults.fail_next(1, status=400)
    drain_jobs()
    db.session.expire_all()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract.id))
    assert refund.status == "failed"
    return refund


def test_finance_sees_failed_refunds_and_retries_one(app, stripe_emulator):
    refund = _failed_refund(app, stripe_emulator)
    brand_email = refund_brand_email(refund)
    client = signed_in(app, make_user("finance"))

    page = client.get("/finance/refunds").get_data(as_text=True)
    assert f"#{refund.contract_id}" in page and brand_email in page
    assert "$315.00" in page and "USD" in page  # price + brand fee, all of it back
    assert "cancellation" in page and "injected by the emulator" in page
    assert refund.failed_at.strftime("%Y-%m-%d %H:%M") in page
    assert f"/finance/refunds/{refund.id}/retry" in page

    done = post_form(
        client,
        f"/finance/refunds/{refund.id}/retry",
        {"reason": "brand's card works again"},
        page="/finance/refunds",
        follow_redirects=True,
    )
    drain_jobs()
    assert "Refund retried under a new idempotency key" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "succeeded"
    [audit] = db.session.scalars(
        select(FinanceAuditLog).where(FinanceAuditLog.action == "refund.retry")
    ).all()
    attempt = db.session.scalar(select(RefundAttempt).where(RefundAttempt.refund_id == refund.id))
    assert (audit.object_id, audit.reason) == (str(refund.id), "brand's card works again")
    assert audit.before["status"] == "failed" and audit.after["attempt_id"] == attempt.id
    assert "No failed refunds" in client.get("/finance/refunds").get_data(as_text=True)

    again = post_form(
        client,
        f"/finance/refunds/{refund.id}/retry",
        page="/finance/refunds",
        follow_redirects=True,
    )
    assert "Only a failed refund can be retried." in again.get_data(as_text=True)
    assert (
        post_form(client, "/finance/refunds/999999/retry", page="/finance/refunds").status_code
        == 404
    )


def refund_brand_email(refund: Refund) -> str:
    from app.auth.models import User
    from app.contracts.models import Contract

    return db.session.get(User, db.session.get(Contract, refund.contract_id).brand_id).email


def test_admins_see_the_list_but_cannot_retry(app, stripe_emulator):
    refund = _failed_refund(app, stripe_emulator)
    client = signed_in(app, make_user("admin"))
    page = client.get("/finance/refunds").get_data(as_text=True)
    assert f"#{refund.contract_id}" in page and "/retry" not in page
    response = post_form(client, f"/finance/refunds/{refund.id}/retry", page="/finance/refunds")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "failed"
    for role in ("brand", "kol"):
        other = signed_in(app, make_user(role))
        assert other.get("/finance/refunds").status_code == 403


def test_a_retry_without_a_csrf_token_is_refused(app, stripe_emulator):
    refund = _failed_refund(app, stripe_emulator)
    client = signed_in(app, make_user("finance"))
    assert client.post(f"/finance/refunds/{refund.id}/retry").status_code == 400
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status == "failed"


def test_the_list_pages_and_has_an_empty_state(app, stripe_emulator, monkeypatch):
    client = signed_in(app, make_user("finance"))
    assert "No failed refunds" in client.get("/finance/refunds").get_data(as_text=True)
    refunds = [_failed_refund(app, stripe_emulator, price=10_000 + i) for i in range(3)]
    monkeypatch.setattr(
        queries, "failed_refunds_page", functools.partial(queries.failed_refunds_page, per_page=2)
    )
    first = client.get("/finance/refunds").get_data(as_text=True)
    second = client.get("/finance/refunds?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    shown = [r for r in refunds if f"/finance/refunds/{r.id}/retry" in first]
    rest = [r for r in refunds if f"/finance/refunds/{r.id}/retry" in second]
    assert len(shown) == 2 and len(rest) == 1 and not set(shown) & set(rest)


def test_the_page_is_translated(app, stripe_emulator):
    _failed_refund(app, stripe_emulator)
    client = signed_in(app, make_user("finance"))
    post_form(client, "/lang/zh_Hans", page="/finance/refunds")
    page = client.get("/finance/refunds").get_data(as_text=True)
    assert "退款失败" in page and "Failed refunds" not in page
