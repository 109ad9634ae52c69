"""The wishlist page: saves by board, bought marks, boards created/renamed/deleted, a save
moved, and board privacy (private boards only for their owner; public ones shareable)."""

from __future__ import annotations

from app.engagement import services
from app.engagement.models import NoteSave, WishlistBoard
from app.extensions import db
from tests.conftest import csrf_token, sign_in
from tests.engagement.support import member, published_note


def _post(client, url, data=None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/wishlist"), **(data or {})})


def test_saves_grouped_by_board_with_what_was_bought(client):
    viewer = member()
    sign_in(client, viewer)
    board = services.create_board(viewer, "Skincare", is_private=True)
    db.session.commit()
    first, second = published_note(title="Serum story"), published_note(title="Loose save")
    services.save(viewer, first.id, board.id)
    services.save(viewer, second.id)
    services.mark_bought(viewer, first.id)
    db.session.commit()
    html = client.get("/wishlist").get_data(as_text=True)
    assert html.index("Skincare") < html.index("Serum story") < html.index("Not in a board")
    assert html.index("Not in a board") < html.index("Loose save")
    assert "Bought" in html and "marked by you" in html


def test_create_rename_and_delete_boards(client):
    viewer = member()
    sign_in(client, viewer)
    assert (
        _post(client, "/wishlist/boards", {"name": "Gifts", "is_private": "y"}).status_code == 302
    )
    board = db.session.query(WishlistBoard).filter_by(user_id=viewer.id).one()
    assert board.is_private
    dup = _post(client, "/wishlist/boards", {"name": "Gifts"})
    assert dup.status_code == 422 and 'class="error"' in dup.get_data(as_text=True)
    _post(client, f"/wishlist/boards/{board.id}", {"name": "Presents"})
    db.session.expire_all()
    board = db.session.get(WishlistBoard, board.id)
    assert board.name == "Presents" and not board.is_private
    note = published_note()
    services.save(viewer, note.id, board.id)
    db.session.commit()
    board_id = board.id
    _post(client, f"/wishlist/boards/{board_id}/delete")
    db.session.expire_all()
    assert db.session.get(WishlistBoard, board_id) is None
    assert db.session.get(NoteSave, (note.id, viewer.id)).board_id is None  # still saved


def test_move_a_save_between_boards(client):
    viewer = member()
    sign_in(client, viewer)
    a = services.create_board(viewer, "A")
    b = services.create_board(viewer, "B")
    note = published_note()
    services.save(viewer, note.id, a.id)
    db.session.commit()
    _post(client, f"/wishlist/saves/{note.id}/move", {"board_id": str(b.id)})
    db.session.expire_all()
    assert db.session.get(NoteSave, (note.id, viewer.id)).board_id == b.id


def test_nobody_uses_anothers_board(client):
    owner = member()
    theirs = services.create_board(owner, "Theirs")
    db.session.commit()
    sign_in(client, member())
    _post(client, f"/wishlist/boards/{theirs.id}", {"name": "Mine now"})
    _post(client, f"/wishlist/boards/{theirs.id}/delete")
    db.session.expire_all()
    assert db.session.get(WishlistBoard, theirs.id).name == "Theirs"


def test_private_boards_are_for_their_owner_only(client):
    owner = member()
    secret = services.create_board(owner, "Secret", is_private=True)
    shared = services.create_board(owner, "Shared", is_private=False)
    note = published_note(title="Shared pick")
    services.save(owner, note.id, shared.id)
    db.session.commit()
    assert client.get(f"/wishlist/boards/{secret.id}").status_code == 404
    public = client.get(f"/wishlist/boards/{shared.id}")
    assert public.status_code == 200 and "Shared pick" in public.get_data(as_text=True)
    sign_in(client, member())
    assert client.get(f"/wishlist/boards/{secret.id}").status_code == 404
    assert "Secret" not in client.get("/wishlist").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    sign_in(client, owner)
    assert client.get(f"/wishlist/boards/{secret.id}").status_code == 200
    mine = client.get("/wishlist").get_data(as_text=True)
    assert f'href="/wishlist/boards/{shared.id}"' in mine  # the shareable link
    assert f'href="/wishlist/boards/{secret.id}"' not in mine


def test_bought_it_and_remove_from_the_wishlist(client):
    viewer = member()
    sign_in(client, viewer)
    note = published_note()
    services.save(viewer, note.id)
    db.session.commit()
    _post(client, f"/wishlist/saves/{note.id}/bought")
    db.session.expire_all()
    assert db.session.get(NoteSave, (note.id, viewer.id)).bought_source == "shopper"
    _post(client, f"/wishlist/saves/{note.id}/remove")
    db.session.expire_all()
    assert db.session.get(NoteSave, (note.id, viewer.id)) is None
