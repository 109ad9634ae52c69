import io

from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.profiles.models import KolProfile, Verification, VerificationRequest
from tests.conftest import post_form, sign_in, signed_in
from tests.factories import make_kol, make_user


def _screenshot():
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), "white").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _submit(client, kol):
    sign_in(client, kol)
    return post_form(
        client,
        "/profile/verification",
        {"handles": "xiaohongshu @lily", "screenshot": (_screenshot(), "s.png")},
        content_type="multipart/form-data",
    )


def test_kol_submits_and_admin_approves(app, client):
    kol = make_kol()
    assert _submit(client, kol).status_code == 302
    assert db.session.get(KolProfile, kol.id).verification == Verification.PENDING
    request = db.session.scalar(
        select(VerificationRequest).where(VerificationRequest.kol_id == kol.id)
    )

    admin = make_user("admin")
    admin_client = signed_in(app, admin)
    queue = admin_client.get("/admin/verifications").get_data(as_text=True)
    assert db.session.get(KolProfile, kol.id).display_name in queue
    assert admin_client.get(f"/media/private/{request.screenshot}").status_code == 200
    assert client.get(f"/media/private/{request.screenshot}").status_code == 403
    response = post_form(
        admin_client, f"/admin/verifications/{request.id}", {"decision": "approve"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(KolProfile, kol.id).is_verified
    assert "Verified" in client.get(f"/kols/{kol.id}").get_data(as_text=True)


def test_rejection_needs_a_reason_the_kol_reads(app, client):
    kol = make_kol()
    _submit(client, kol)
    request = db.session.scalar(
        select(VerificationRequest).where(VerificationRequest.kol_id == kol.id)
    )
    admin = make_user("admin")
    admin_client = signed_in(app, admin)
    url = f"/admin/verifications/{request.id}"
    no_reason = post_form(admin_client, url, {"decision": "reject", "reason": ""})
    assert no_reason.status_code == 422
    post_form(admin_client, url, {"decision": "reject", "reason": "Handle does not match"})
    db.session.expire_all()
    assert db.session.get(KolProfile, kol.id).verification == Verification.REJECTED
    page = client.get("/profile/verification").get_data(as_text=True)
    assert "Handle does not match" in page
    assert _submit(client, kol).status_code == 302  # may try again


def test_only_one_pending_request_and_no_double_decision(app, client):
    kol = make_kol()
    _submit(client, kol)
    again = post_form(client, "/profile/verification", {"handles": "again"})
    assert again.status_code == 409
    request = db.session.scalar(
        select(VerificationRequest).where(VerificationRequest.kol_id == kol.id)
    )
    admin = make_user("admin")
    admin_client = signed_in(app, admin)
    url = f"/admin/verifications/{request.id}"
    post_form(admin_client, url, {"decision": "approve"})
    second = post_form(admin_client, url, {"decision": "reject", "reason": "changed my mind"})
    assert second.status_code == 409
    db.session.expire_all()
    assert db.session.get(KolProfile, kol.id).is_verified


def test_non_admins_cannot_decide(client):
    kol = make_kol()
    _submit(client, kol)
    request = db.session.scalar(
        select(VerificationRequest).where(VerificationRequest.kol_id == kol.id)
    )
    response = post_form(
        client,
        f"/admin/verifications/{request.id}",
        {"decision": "approve"},
        page="/profile/verification",
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(KolProfile, kol.id).is_verified
