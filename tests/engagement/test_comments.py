"""Comments on the note page and in the API: plain text, sanitised, length-limited with the field
named, one reply level, rate-limited per account, counted in the rollups, never editable by
anyone else, and a note page whose queries do not grow with its comments."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.analytics.models import HourlyRollup
from app.auth.models import Role
from app.engagement import comments
from app.engagement.models import NoteComment
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.engagement.support import bearer, member, published_note
from tests.factories import make_api_key
from tests.queries import count_queries

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '"><svg onload=alert(3)>',
    "javascript:alert(4)//<a href='javascript:alert(5)'>x</a>",
]


def page(note, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/n/{note.id}-{note.slug}" + (f"?{query}" if query else "")


def comment(client, note, body, **extra):
    data = {"csrf_token": csrf_token(client, page(note)), "body": body, **extra}
    return client.post(f"/n/{note.id}/comments", data=data)


def rolled_comments(note_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(HourlyRollup.comments), 0)).where(
            HourlyRollup.note_id == note_id
        )
    )


def test_a_comment_is_posted_shown_and_counted(client):
    note = published_note()
    sign_in(client, member())
    response = comment(client, note, "  Lovely texture!  ")
    assert response.status_code == 302 and "#comment-" in response.location
    html = client.get(page(note)).get_data(as_text=True)
    assert "Lovely texture!" in html
    assert rolled_comments(note.id) == 1


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_render_as_text_never_markup(client, payload):
    note = published_note()
    sign_in(client, member())
    assert comment(client, note, payload).status_code == 302
    html = client.get(page(note)).get_data(as_text=True)
    section = html[html.index('id="comments"') :]
    assert "<script>alert" not in section and "<img src=x" not in section
    assert "<svg" not in section and "<a href='javascript" not in section
    assert "&lt;" in section  # shown, escaped


def test_control_and_bidi_characters_are_cleaned():
    note = published_note()
    user = member()
    made = comments.add_comment(note_id=note.id, user_id=user.id, body="ok\u202e\x00 fine")
    assert made.body == "ok fine"


@pytest.mark.parametrize("body", ["", "   ", "x" * 1001])
def test_length_errors_name_the_field_inline(client, body):
    note = published_note()
    sign_in(client, member())
    response = comment(client, note, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and 'name="body"' in html
    assert db.session.scalar(select(func.count()).select_from(NoteComment)) == 0


def test_a_thousand_characters_is_allowed():
    note = published_note()
    made = comments.add_comment(note_id=note.id, user_id=member().id, body="y" * 1000)
    assert len(made.body) == 1000


def test_api_length_error_is_422_with_the_field(client):
    note = published_note()
    key = make_api_key(member())
    for body in ("", "z" * 1001, 5):
        response = client.post(
            f"/api/v1/notes/{note.id}/comments", json={"body": body}, headers=bearer(key)
        )
        assert response.status_code == 422
        assert "body" in response.get_json()["error"]["fields"]


def test_replies_are_one_level_deep(client):
    note = published_note()
    first = comments.add_comment(note_id=note.id, user_id=member().id, body="Top")
    reply = comments.add_comment(
        note_id=note.id, user_id=member().id, body="Reply", parent_id=first.id
    )
    deeper = comments.add_comment(
        note_id=note.id, user_id=member().id, body="Reply to reply", parent_id=reply.id
    )
    db.session.commit()
    assert reply.parent_id == first.id and deeper.parent_id == first.id
    listed = comments.comments_page(note)
    assert [v.comment.body for v in listed.items] == ["Top"]
    assert [r.comment.body for r in listed.items[0].replies] == ["Reply", "Reply to reply"]


def test_a_reply_to_another_notes_comment_is_refused():
    note, other = published_note(), published_note()
    foreign = comments.add_comment(note_id=other.id, user_id=member().id, body="Elsewhere")
    with pytest.raises(ValidationFailed) as caught:
        comments.add_comment(note_id=note.id, user_id=member().id, body="Hi", parent_id=foreign.id)
    assert "parent_id" in caught.value.fields


def test_reply_through_the_api(client):
    note = published_note()
    top = comments.add_comment(note_id=note.id, user_id=member().id, body="Question?")
    db.session.commit()
    key = make_api_key(member())
    response = client.post(
        f"/api/v1/notes/{note.id}/comments",
        json={"body": "Answer", "parent_id": top.id},
        headers=bearer(key),
    )
    assert response.status_code == 201 and response.get_json()["parent_id"] == top.id
    listed = client.get(f"/api/v1/notes/{note.id}/comments").get_json()
    assert listed["total"] == 1 and listed["items"][0]["replies"][0]["body"] == "Answer"


def test_rate_limit_answers_429_with_a_message(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_LIMIT", "3 per minute")
    note = published_note()
    sign_in(client, member())
    statuses = [comment(client, note, f"Comment {i}").status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    limited = comment(client, note, "again")
    assert "Too many attempts" in limited.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, member())  # another account is not limited by the first one
    assert comment(client, note, "Mine").status_code == 302


def test_api_rate_limit_is_per_account(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_LIMIT", "2 per minute")
    note = published_note()
    key = make_api_key(member())
    url = f"/api/v1/notes/{note.id}/comments"
    statuses = [
        client.post(url, json={"body": "hi"}, headers=bearer(key)).status_code for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert client.post(url, json={"body": "hi"}, headers=bearer(key)).get_json()["error"][
        "code"
    ] == ("rate_limited")


def test_new_accounts_comments_count_but_are_flagged():
    note = published_note()
    newcomer = member(days_old=0)
    made = comments.add_comment(note_id=note.id, user_id=newcomer.id, body="First!")
    db.session.commit()
    assert made.flagged
    row = db.session.execute(
        select(func.sum(HourlyRollup.comments), func.sum(HourlyRollup.flagged_engagements)).where(
            HourlyRollup.note_id == note.id
        )
    ).one()
    assert tuple(row) == (1, 1)


def test_authors_delete_their_own_comment_with_its_replies_and_the_count_follows(client):
    note = published_note()
    author = member()
    sign_in(client, author)
    top = comments.add_comment(note_id=note.id, user_id=author.id, body="Mine")
    comments.add_comment(note_id=note.id, user_id=member().id, body="A reply", parent_id=top.id)
    db.session.commit()
    assert rolled_comments(note.id) == 2
    data = {"csrf_token": csrf_token(client, page(note))}
    assert client.post(f"/comments/{top.id}/delete", data=data).status_code == 302
    assert rolled_comments(note.id) == 0
    html = client.get(page(note)).get_data(as_text=True)
    assert "Mine" not in html and "A reply" not in html


def test_nobody_deletes_anothers_comment(client):
    note = published_note()
    other = comments.add_comment(note_id=note.id, user_id=member().id, body="Not yours")
    db.session.commit()
    sign_in(client, member())
    data = {"csrf_token": csrf_token(client, page(note))}
    assert client.post(f"/comments/{other.id}/delete", data=data).status_code == 404
    key = make_api_key(member())
    assert client.delete(f"/api/v1/comments/{other.id}", headers=bearer(key)).status_code == 404
    # there is no edit route at all, on the web or in the API
    assert client.post(f"/comments/{other.id}/edit", data=data).status_code == 404
    assert client.patch(f"/api/v1/comments/{other.id}", json={"body": "x"}).status_code == 405
    assert db.session.get(NoteComment, other.id).removed_at is None
    assert db.session.get(NoteComment, other.id).body == "Not yours"


def test_api_delete_own_comment(client):
    note = published_note()
    author = member()
    made = comments.add_comment(note_id=note.id, user_id=author.id, body="bye")
    db.session.commit()
    key = make_api_key(author)
    assert client.delete(f"/api/v1/comments/{made.id}", headers=bearer(key)).status_code == 204
    assert client.delete(f"/api/v1/comments/{made.id}", headers=bearer(key)).status_code == 404


def test_staff_and_visitors_cannot_comment(client):
    note = published_note()
    with pytest.raises(Forbidden):
        comments.add_comment(note_id=note.id, user_id=member(Role.FINANCE).id, body="hi")
    response = client.post(f"/n/{note.id}/comments", data={"body": "hi"})
    assert response.status_code in (302, 400)  # sign in first (or the CSRF check)
    assert "Sign in to comment" in client.get(page(note)).get_data(as_text=True)


def test_unpublished_notes_take_no_comments():
    note = published_note(funded=True)
    note.status = "taken_down"
    db.session.commit()
    with pytest.raises(NotFound):
        comments.add_comment(note_id=note.id, user_id=member().id, body="hi")


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.BRAND, Role.KOL])
def test_brands_and_kols_comment_too(client, role):
    note = published_note()
    sign_in(client, member(role))
    assert comment(client, note, f"from a {role.value}").status_code == 302


def test_the_note_page_does_not_query_per_comment(client):
    note = published_note()
    viewer = member()
    sign_in(client, viewer)
    comments.add_comment(note_id=note.id, user_id=viewer.id, body="seed")
    db.session.commit()
    with count_queries() as few:
        assert client.get(page(note)).status_code == 200
    for i in range(15):
        top = comments.add_comment(note_id=note.id, user_id=member().id, body=f"c{i}")
        comments.add_comment(
            note_id=note.id, user_id=member(Role.KOL).id, body=f"r{i}", parent_id=top.id
        )
    db.session.commit()
    with count_queries() as many:
        html = client.get(page(note)).get_data(as_text=True)
    assert "c14" in html and "r14" in html
    assert len(many) == len(few)


def test_comments_are_paginated():
    note = published_note()
    user = member()
    for i in range(comments.PER_PAGE + 3):
        comments.add_comment(note_id=note.id, user_id=user.id, body=f"n{i}")
    db.session.commit()
    first = comments.comments_page(note)
    second = comments.comments_page(note, page=2)
    assert len(first.items) == comments.PER_PAGE and len(second.items) == 3
    assert first.items[0].comment.body == f"n{comments.PER_PAGE + 2}"  # newest first
