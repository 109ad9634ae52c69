"""Media-kit share links: named, stored, copied again, last view noted, revocable (then 404);
the old signed-KOL-id links no longer open anything."""

from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.analytics.models import MediaKitLink
from app.auth.models import User
from app.extensions import db
from tests.analytics.support import published_note
from tests.conftest import post_form, sign_in
from tests.factories import make_kol, make_user


def _kol_with_note(client):
    note = published_note()
    kol = db.session.get(User, note.kol_id)
    sign_in(client, kol)
    return kol, note


def _link(kol) -> MediaKitLink:
    return db.session.scalar(select(MediaKitLink).where(MediaKitLink.kol_id == kol.id))


def test_a_kol_creates_a_named_link_that_opens_their_media_kit(client, app):
    kol, note = _kol_with_note(client)
    empty = client.get("/analytics/media-kit").get_data(as_text=True)
    assert "No share links yet" in empty
    response = post_form(client, "/analytics/media-kit", {"name": "Glow Lab"})
    assert response.status_code == 302
    link = _link(kol)
    assert link.name == "Glow Lab" and len(link.token) >= 32 and link.last_viewed_at is None
    page = client.get("/analytics/media-kit").get_data(as_text=True)
    assert "Glow Lab" in page and f"/k/{link.token}</code>" in page  # shown, copyable again
    shared = app.test_client().get(f"/k/{link.token}")
    assert shared.status_code == 200 and f"/n/{note.id}-" in shared.get_data(as_text=True)
    assert shared.headers["X-Robots-Tag"] == "noindex"
    db.session.expire_all()
    assert _link(kol).last_viewed_at is not None and _link(kol).views == 1


def test_a_revoked_link_answers_404(client, app):
    kol, _note = _kol_with_note(client)
    post_form(client, "/analytics/media-kit", {"name": "Old agency"})
    link = _link(kol)
    anonymous = app.test_client()
    assert anonymous.get(f"/k/{link.token}").status_code == 200
    revoke = post_form(
        client, f"/analytics/media-kit/links/{link.id}/revoke", page="/analytics/media-kit"
    )
    assert revoke.status_code == 302
    assert anonymous.get(f"/k/{link.token}").status_code == 404
    page = client.get("/analytics/media-kit").get_data(as_text=True)
    assert "Revoked" in page and f"/k/{link.token}" not in page


def test_the_old_signed_kol_id_links_stop_working(client, app):
    kol, _note = _kol_with_note(client)
    old = URLSafeSerializer(app.config["SECRET_KEY"], salt="analytics-media-kit").dumps(kol.id)
    assert app.test_client().get(f"/k/{old}").status_code == 404


def test_a_kol_cannot_revoke_another_kols_link_and_a_name_is_required(client, app):
    owner, _note = _kol_with_note(client)
    post_form(client, "/analytics/media-kit", {"name": "Brand A"})
    link = _link(owner)
    client.get("/auth/logout")
    other = make_kol(verified=True)
    sign_in(client, other)
    response = post_form(
        client, f"/analytics/media-kit/links/{link.id}/revoke", page="/analytics/media-kit"
    )
    assert response.status_code == 404
    assert app.test_client().get(f"/k/{link.token}").status_code == 200
    blank = post_form(client, "/analytics/media-kit", {"name": "   "})
    assert blank.status_code == 422 and "This field is required." in blank.get_data(as_text=True)
    brand = make_user("brand")
    client.get("/auth/logout")
    sign_in(client, brand)
    assert client.get("/analytics/media-kit").status_code == 403
