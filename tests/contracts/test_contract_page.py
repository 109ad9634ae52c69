"""The shared contract page: who sees it, what it shows, the message thread and attachments."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from app.auth.models import User
from app.contracts.models import ContractStatus, Message
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import post_form, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><a href="javascript:alert(3)">x</a>'


def _parties(app, contract):
    brand = signed_in(app, db.session.get(User, contract.brand_id))
    kol = signed_in(app, db.session.get(User, contract.kol_id))
    return brand, kol


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _send(client, contract, body="", attachment=None):
    data = {"body": body}
    if attachment is not None:
        data["attachment"] = attachment
    return post_form(
        client,
        f"/contracts/{contract.id}/messages",
        data,
        page=f"/contracts/{contract.id}",
        content_type="multipart/form-data",
    )


def test_both_parties_and_admins_see_the_page_and_outsiders_get_404(app):
    contract = make_contract()
    brand, kol = _parties(app, contract)
    for client in (brand, kol, signed_in(app, make_user("admin"))):
        assert client.get(f"/contracts/{contract.id}").status_code == 200
    for outsider in (make_user("brand"), make_kol(verified=True)):
        assert signed_in(app, outsider).get(f"/contracts/{contract.id}").status_code == 404
    assert signed_in(app, make_user("finance")).get(f"/contracts/{contract.id}").status_code == 403


def test_page_shows_terms_money_timeline_and_the_next_step_for_each_side(app):
    campaign = make_campaign(usage_rights="Organic, 6 months")
    bid = make_bid(campaign, price=50_000)
    from app.bids import services

    services.counter_bid(bid_id=bid.id, user_id=campaign.brand_id, price=45_000, message="")
    contract = services.accept_bid(bid_id=bid.id, user_id=bid.kol_id)
    db.session.commit()
    brand, kol = _parties(app, contract)
    page = brand.get(f"/contracts/{contract.id}").get_data(as_text=True)
    for text in (
        "Organic, 6 months",
        "1 image note",
        "$450.00",
        "$22.50",
        "$472.50",
        "$45.00",
        "$405.00",
        "offered $500.00",
        "offered $450.00",
        "Awaiting funding",
    ):
        assert text in page, text
    assert f"/contracts/{contract.id}/fund" in page or "Funding opens here soon" in page
    kol_page = kol.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Waiting for the brand to fund" in kol_page
    assert "Fund this contract" not in kol_page

    contract.status = ContractStatus.FUNDED
    db.session.commit()
    assert "Waiting for the KOL" in brand.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "Write the note" in kol.get(f"/contracts/{contract.id}").get_data(as_text=True)


def test_messages_are_plain_text_rendered_inert_and_notify_the_other_side(app):
    contract = make_contract()
    brand, kol = _parties(app, contract)
    assert _send(kol, contract, XSS).status_code == 302
    page = brand.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    told = db.session.scalar(select(Notification).where(Notification.user_id == contract.brand_id))
    assert told.kind == "contract.message" and told.link == f"/contracts/{contract.id}#messages"


def test_message_validation(app):
    contract = make_contract()
    _brand, kol = _parties(app, contract)
    assert _send(kol, contract, "").status_code == 422
    too_long = _send(kol, contract, "x" * 5001)
    assert too_long.status_code == 422 and "5000 characters" in too_long.get_data(as_text=True)
    outsider = signed_in(app, make_user("brand"))
    assert (
        post_form(
            outsider, f"/contracts/{contract.id}/messages", {"body": "hi"}, page="/contracts"
        ).status_code
        == 404
    )
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_attachments_are_checked_and_served_only_to_the_parties(app):
    contract = make_contract()
    brand, kol = _parties(app, contract)
    assert _send(kol, contract, "the draft", (_png(), "draft.png")).status_code == 302
    assert (
        _send(kol, contract, "", (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "brief.pdf")).status_code == 302
    )
    image, pdf = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert image.attachment.endswith(".png") and image.attachment != "draft.png"
    assert pdf.attachment.endswith(".pdf") and pdf.attachment_name == "brief.pdf"

    url = f"/contracts/{contract.id}/messages/{image.id}/attachment"
    response = brand.get(url)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    pdf_response = brand.get(f"/contracts/{contract.id}/messages/{pdf.id}/attachment")
    assert pdf_response.data.startswith(b"%PDF-")
    assert "attachment" in pdf_response.headers["Content-Disposition"]
    assert signed_in(app, make_user("brand")).get(url).status_code == 404
    other = make_contract()
    assert brand.get(f"/contracts/{other.id}/messages/{image.id}/attachment").status_code == 404


def test_fake_or_oversized_attachments_are_refused(app):
    contract = make_contract()
    _brand, kol = _parties(app, contract)
    fake_png = _send(kol, contract, "x", (io.BytesIO(b"just some text, honest"), "photo.png"))
    assert fake_png.status_code == 422
    assert "Attach a JPEG, PNG or WebP image, or a PDF." in fake_png.get_data(as_text=True)
    fake_pdf = _send(kol, contract, "x", (io.BytesIO(b"<html>not a pdf</html>"), "doc.pdf"))
    assert fake_pdf.status_code == 422
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    assert _send(kol, contract, "x", (big, "big.pdf")).status_code in (413, 422)
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_my_contracts_lists_each_sides_own_with_filters(app):
    kol = make_kol(verified=True)
    waiting = make_contract(make_bid(kol=kol))
    funded = make_contract(make_bid(kol=kol), status=ContractStatus.FUNDED)
    someone_else = make_contract()
    client = signed_in(app, kol)
    page = client.get("/contracts").get_data(as_text=True)
    assert f"/contracts/{waiting.id}" in page and f"/contracts/{funded.id}" in page
    assert f'/contracts/{someone_else.id}"' not in page
    filtered = client.get("/contracts?status=funded").get_data(as_text=True)
    assert f'/contracts/{funded.id}"' in filtered and f'/contracts/{waiting.id}"' not in filtered
    brand = signed_in(app, db.session.get(User, someone_else.brand_id))
    assert f'/contracts/{someone_else.id}"' in brand.get("/contracts").get_data(as_text=True)
    assert "No contracts here yet" in signed_in(app, make_user("brand")).get("/contracts").get_data(
        as_text=True
    )
