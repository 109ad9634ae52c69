"""Moderation: the note's KOL and brand hide comments; anyone signed in reports one, once;
admins remove comments, dismiss reports or disable the author from a paginated queue."""

from __future__ import annotations

import pytest

from app.auth.models import Role, User
from app.engagement import comments
from app.engagement.models import CommentReport, NoteComment
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.engagement.support import member, page, published_note


def _comment(note, body="Rude words here"):
    made = comments.add_comment(note_id=note.id, user_id=member().id, body=body)
    db.session.commit()
    return made


@pytest.mark.parametrize("side", ["kol", "brand"])
def test_the_notes_kol_or_brand_hides_and_shows_a_comment(client, side):
    note = published_note()
    made = _comment(note)
    owner = db.session.get(User, note.kol_id if side == "kol" else note.brand_id)
    sign_in(client, owner)
    token = csrf_token(client, page(note))
    assert client.post(f"/comments/{made.id}/hide", data={"csrf_token": token}).status_code == 302
    own_view = client.get(page(note)).get_data(as_text=True)
    assert "Rude words here" in own_view and "Hidden from the public" in own_view
    client.post("/auth/logout", data={"csrf_token": token})
    assert "Rude words here" not in client.get(page(note)).get_data(as_text=True)
    sign_in(client, owner)
    token = csrf_token(client, page(note))
    client.post(f"/comments/{made.id}/unhide", data={"csrf_token": token})
    client.post("/auth/logout", data={"csrf_token": token})
    assert "Rude words here" in client.get(page(note)).get_data(as_text=True)


def test_other_kols_and_brands_cannot_hide(client):
    note = published_note()
    made = _comment(note)
    for role in (Role.KOL, Role.BRAND):
        with pytest.raises(Forbidden):
            comments.set_hidden(comment_id=made.id, user_id=member(role).id, hidden=True)
    sign_in(client, member(Role.SHOPPER))
    token = csrf_token(client, page(note))
    assert client.post(f"/comments/{made.id}/hide", data={"csrf_token": token}).status_code == 403
    assert db.session.get(NoteComment, made.id).hidden_at is None


def test_report_once_with_a_reason(client):
    note = published_note()
    made = _comment(note)
    sign_in(client, member(Role.KOL))
    url = f"/comments/{made.id}/report"
    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": ""})
    assert empty.status_code == 422 and 'class="error"' in empty.get_data(as_text=True)
    first = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Spam"})
    assert first.status_code == 302
    again = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Spam"})
    assert again.status_code == 409 and "already reported" in again.get_data(as_text=True)
    assert db.session.query(CommentReport).filter_by(comment_id=made.id).count() == 1


def test_nobody_reports_their_own_comment():
    note = published_note()
    made = _comment(note)
    with pytest.raises(ValidationFailed):
        comments.report_comment(comment_id=made.id, user_id=made.user_id, reason="me")
    other = member()
    comments.report_comment(comment_id=made.id, user_id=other.id, reason="x")
    with pytest.raises(Conflict):
        comments.report_comment(comment_id=made.id, user_id=other.id, reason="x")


def _reported(note, body="Buy followers cheap"):
    made = _comment(note, body)
    comments.report_comment(comment_id=made.id, user_id=member().id, reason="Spam")
    db.session.commit()
    return made


def test_admin_queue_remove_closes_the_reports(client):
    note = published_note()
    made = _reported(note)
    sign_in(client, member(Role.ADMIN))
    queue = client.get("/admin/comments").get_data(as_text=True)
    assert "Buy followers cheap" in queue and "Spam" in queue
    token = csrf_token(client, "/admin/comments")
    assert (
        client.post(f"/admin/comments/{made.id}/remove", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(NoteComment, made.id).removed_at is not None
    assert "Buy followers cheap" not in client.get("/admin/comments").get_data(as_text=True)
    assert "Buy followers cheap" not in client.get(page(note)).get_data(as_text=True)


def test_admin_dismisses_reports_and_the_comment_stays(client):
    note = published_note()
    made = _reported(note)
    sign_in(client, member(Role.ADMIN))
    token = csrf_token(client, "/admin/comments")
    client.post(f"/admin/comments/{made.id}/dismiss", data={"csrf_token": token})
    assert "No open reports" in client.get("/admin/comments").get_data(as_text=True)
    assert db.session.get(NoteComment, made.id).removed_at is None


def test_admin_disables_the_author(client):
    note = published_note()
    made = _reported(note)
    sign_in(client, member(Role.ADMIN))
    token = csrf_token(client, "/admin/comments")
    response = client.post(
        f"/admin/comments/{made.id}/disable-author", data={"csrf_token": token, "reason": "spam"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    author = db.session.get(User, made.user_id)
    assert author.is_disabled and author.disabled_reason == "spam"


def test_the_queue_is_admin_only_and_in_the_admin_nav(client):
    sign_in(client, member(Role.SHOPPER))
    assert client.get("/admin/comments").status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, member(Role.ADMIN))
    assert 'href="/admin/comments"' in client.get("/").get_data(as_text=True)


def test_the_queue_is_paginated():
    from app.engagement import moderation

    note = published_note()
    for i in range(moderation.PER_PAGE + 2):
        _reported(note, f"spam {i}")
    first = moderation.open_reports_page()
    assert first.total == moderation.PER_PAGE + 2 and len(first.items) == moderation.PER_PAGE
    assert len(moderation.open_reports_page(page=2).items) == 2
