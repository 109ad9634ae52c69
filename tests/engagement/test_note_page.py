"""The note page's buttons: no-JS form posts (redirect + flash), the same forms as fetch with
JSON answers, the viewer's state from one JSON GET, sign-in for visitors, and a page whose
queries do not grow with its likes."""

import re

import pytest

from app.auth.models import Role
from app.engagement import services
from app.extensions import db
from app.notes.models import NoteStatus
from tests.conftest import csrf_token, sign_in
from tests.engagement.support import likes, member, page, post, published_note, rolled, saves
from tests.queries import count_queries

JSON = {"Accept": "application/json"}


def test_the_page_shows_counts_and_forms_with_csrf(client):
    note = published_note()
    for _ in range(2):
        services.like(member(), note.id)
    db.session.commit()
    # signed out: links to sign in (test_visitors_are_sent_to_sign_in_and_back)
    sign_in(client, member())
    html = client.get(page(note)).get_data(as_text=True)
    assert re.search(r'data-count="likes">2<', html)
    assert f'action="/n/{note.id}/like"' in html and f'action="/n/{note.id}/save"' in html
    assert 'src="/static/js/engagement.js"' in html and "<script>" not in html
    assert f"/n/{note.id}-{note.slug}" in html  # the share link


def test_no_js_like_then_unlike_redirects_back_with_a_message(client):
    note = published_note()
    sign_in(client, member())
    response = post(client, note, "like", {"do": "like"})
    assert response.status_code == 302 and response.headers["Location"].endswith(page(note))
    assert "You liked this note." in client.get(page(note)).get_data(as_text=True)
    post(client, note, "like", {"do": "like"})  # a double click
    assert likes(note.id) == 1
    post(client, note, "like", {"do": "unlike"})
    assert likes(note.id) == 0 and rolled(note.id)["likes"] == 0


def test_no_js_save_into_a_new_board_then_bought(client):
    note = published_note()
    user = member()
    sign_in(client, user)
    post(client, note, "save", {"do": "save", "new_board": "Skincare"})
    [board] = services.boards_of(user)
    assert board.name == "Skincare" and saves(note.id) == 1
    response = post(client, note, "bought")
    assert response.status_code == 302
    assert rolled(note.id)["bought"] == 1


def test_bought_without_a_save_is_explained(client):
    note = published_note()
    sign_in(client, member())
    response = post(client, note, "bought", follow_redirects=True)
    assert "Save the note before marking it bought." in response.get_data(as_text=True)
    json_answer = post(client, note, "bought", headers=JSON)
    assert json_answer.status_code == 422
    assert "note_id" in json_answer.get_json()["error"]["fields"]


def test_json_flow_returns_the_viewers_state(client):
    note = published_note()
    sign_in(client, member(Role.BRAND))
    state = client.get(f"/n/{note.id}/engagement").get_json()
    assert state["can_engage"] and not state["liked"] and state["counts"]["likes"] == 0
    answer = post(client, note, "like", {"do": "like"}, headers=JSON).get_json()
    assert answer["liked"] and answer["counts"]["likes"] == 1
    answer = post(client, note, "follow", {"do": "follow"}, headers=JSON).get_json()
    assert answer["following"] and answer["counts"]["followers"] == 1
    answer = post(client, note, "save", {"do": "save"}, headers=JSON).get_json()
    assert answer["saved"] and answer["board_id"] is None
    answer = post(client, note, "bought", headers=JSON).get_json()
    assert answer["bought"]


def test_a_kol_cannot_follow_themselves_from_their_note(client):
    note = published_note()
    sign_in(client, note.kol_id)
    assert client.get(f"/n/{note.id}/engagement").get_json()["can_follow"] is False
    answer = post(client, note, "follow", {"do": "follow"}, headers=JSON)
    assert answer.status_code == 422 and "kol_id" in answer.get_json()["error"]["fields"]


def test_visitors_are_sent_to_sign_in_and_back(client):
    note = published_note()
    state = client.get(f"/n/{note.id}/engagement").get_json()
    assert state["signed_in"] is False and state["can_engage"] is False
    assert state["counts"] == {"likes": 0, "saves": 0, "followers": 0}
    assert "next=" in state["login_url"]
    html = client.get(page(note)).get_data(as_text=True)  # no forms, so no session cookie
    assert f'href="/auth/login?next={page(note)}"' in html and 'method="post"' not in html
    response = client.post(f"/n/{note.id}/like", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get(f"/n/{note.id}/like").headers["Location"].endswith(page(note))
    assert likes(note.id) == 0


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
def test_staff_may_not_engage(client, role):
    note = published_note()
    sign_in(client, member(role))
    assert client.get(f"/n/{note.id}/engagement").get_json()["can_engage"] is False
    assert post(client, note, "like", {"do": "like"}).status_code == 403
    assert likes(note.id) == 0


def test_an_unpublished_note_answers_404(client):
    note = published_note()
    sign_in(client, member())
    url = page(note)
    token = csrf_token(client, url)
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    assert client.post(f"/n/{note.id}/like", data={"csrf_token": token}).status_code == 404
    answer = client.post(f"/n/{note.id}/save", data={"csrf_token": token}, headers=JSON)
    assert answer.status_code == 404
    assert client.get(f"/n/{note.id}/engagement").status_code == 404


def test_a_form_without_csrf_is_refused(client):
    note = published_note()
    sign_in(client, member())
    assert client.post(f"/n/{note.id}/like", data={"do": "like"}).status_code == 400
    assert likes(note.id) == 0


def test_the_page_render_does_not_query_per_like(client):
    """The same queries whatever the number of likes and saves, signed out or in (the
    viewer's own state is not rendered: engagement.js fetches it)."""
    note = published_note()
    url = page(note)
    other = client.application.test_client()  # a second browser, signed in
    sign_in(other, member())
    measured = {}
    for label in ("few", "many"):
        for name, browser in (("anonymous", client), ("member", other)):
            browser.get(url)
            with count_queries() as statements:
                assert browser.get(url).status_code == 200
            measured[(label, name)] = len(statements)
        for _ in range(5):
            user = member()
            services.like(user, note.id)
            services.save(user, note.id)
        db.session.commit()
    assert measured[("few", "anonymous")] == measured[("many", "anonymous")]
    assert measured[("few", "member")] == measured[("many", "member")]
