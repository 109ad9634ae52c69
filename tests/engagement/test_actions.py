"""Every action is idempotent, counts equal the rows behind them (and the rollups move with
them), and the rules hold: published notes only, no following yourself, staff cannot engage."""

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.engagement import services
from app.engagement.models import NoteSave
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.notes.models import NoteStatus
from tests.engagement.support import follows, likes, member, published_note, rolled, saves


def test_a_double_like_is_one_row_and_counts_once():
    note, user = published_note(), member()
    services.like(user, note.id)
    services.like(user, note.id)
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1


def test_unlike_and_relike_keep_the_count_equal_to_the_rows():
    note, user, other = published_note(), member(), member(Role.BRAND)
    services.like(user, note.id)
    services.like(other, note.id)
    services.unlike(user, note.id)
    services.unlike(user, note.id)  # again: nothing to take back
    assert likes(note.id) == 1 and rolled(note.id)["likes"] == 1
    services.like(user, note.id)
    assert likes(note.id) == 2 and rolled(note.id)["likes"] == 2


def test_save_into_boards_move_and_unsave():
    note, user = published_note(), member()
    wishes = services.create_board(user, "Wishes")
    gifts = services.create_board(user, "Gifts")
    services.save(user, note.id, wishes.id)
    services.save(user, note.id, wishes.id)
    assert saves(note.id) == 1 and rolled(note.id)["saves"] == 1
    services.save(user, note.id, gifts.id, set_board=True)  # a move: no new save
    row = db.session.scalar(select(NoteSave).where(NoteSave.note_id == note.id))
    assert row.board_id == gifts.id and rolled(note.id)["saves"] == 1
    services.delete_board(user, gifts.id)  # the save stays, in no board
    db.session.refresh(row)
    assert row.board_id is None and saves(note.id) == 1
    services.unsave(user, note.id)
    services.unsave(user, note.id)
    assert saves(note.id) == 0 and rolled(note.id)["saves"] == 0


def test_someone_elses_board_is_refused_with_the_field_named():
    note, user, other = published_note(), member(), member()
    board = services.create_board(other, "Theirs")
    with pytest.raises(ValidationFailed) as refused:
        services.save(user, note.id, board.id)
    assert "board_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as again:
        services.create_board(other, "Theirs")
    assert "name" in again.value.fields


def test_bought_it_needs_a_save_and_counts_once():
    note, user = published_note(), member()
    with pytest.raises(ValidationFailed):
        services.mark_bought(user, note.id)
    services.save(user, note.id)
    services.mark_bought(user, note.id)
    services.mark_bought(user, note.id)
    row = db.session.scalar(select(NoteSave).where(NoteSave.note_id == note.id))
    assert row.bought_at is not None and row.bought_source == "shopper"
    assert rolled(note.id)["bought"] == 1
    services.unsave(user, note.id)  # the bought save goes: both counts follow the rows
    assert rolled(note.id) | {"flagged_engagements": 0} == {
        "likes": 0, "saves": 0, "follows": 0, "bought": 0, "flagged_engagements": 0,
    }  # fmt: skip


def test_follow_once_from_a_note_and_never_yourself():
    note, user = published_note(), member()
    services.follow(user, note.kol_id, note.id)
    services.follow(user, note.kol_id, note.id)
    assert follows(note.kol_id) == 1 and rolled(note.id)["follows"] == 1
    services.unfollow(user, note.kol_id, note.id)
    assert follows(note.kol_id) == 0 and rolled(note.id)["follows"] == 0
    kol = db.session.get(type(user), note.kol_id)
    with pytest.raises(ValidationFailed) as refused:
        services.follow(kol, note.kol_id)
    assert "kol_id" in refused.value.fields
    with pytest.raises(NotFound):
        services.follow(user, member(Role.BRAND).id)  # a brand is not a creator


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
def test_staff_cannot_engage(role):
    note, staff = published_note(), member(role)
    with pytest.raises(Forbidden):
        services.like(staff, note.id)
    assert likes(note.id) == 0


def test_a_disabled_account_cannot_act():
    note, user = published_note(), member()
    user.is_disabled = True
    with pytest.raises(Forbidden):
        services.save(user, note.id)


def test_an_unpublished_note_cannot_be_engaged_with():
    note, user = published_note(), member()
    note.status = NoteStatus.TAKEN_DOWN
    db.session.commit()
    with pytest.raises(NotFound):
        services.like(user, note.id)


def test_a_new_accounts_engagement_counts_but_is_flagged():
    note, fresh, old = published_note(), member(days_old=0), member()
    services.like(fresh, note.id)
    services.like(old, note.id)
    assert rolled(note.id)["likes"] == 2 and rolled(note.id)["flagged_engagements"] == 1
    services.unlike(fresh, note.id)
    assert rolled(note.id)["flagged_engagements"] == 0
