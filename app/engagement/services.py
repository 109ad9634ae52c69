"""The rules of engagement: who may like, save, mark "bought it" and follow, on what; boards.

Each action is checked here (published note, active account of an engaging role, not yourself)
and handed to ``pipeline.accept``: buffered in Redis or applied directly. Every action is
idempotent (the row decides), so a double click counts once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.engagement import pipeline
from app.engagement.models import KolFollow, NoteLike, NoteSave, ShopperProfile, WishlistBoard
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.text import clean_text

# Who may like, save, follow and comment (staff may not).
ENGAGERS = (Role.SHOPPER, Role.BRAND, Role.KOL)
BOARD_NAME_MAX = 60
MAX_BOARDS = 50


def _actor(user: User) -> None:
    if not user.is_active:
        raise Forbidden(_("This account is disabled."))
    if user.role not in ENGAGERS:
        raise Forbidden(_("Staff accounts cannot like, save or follow."))


def is_flagged(user: User) -> bool:
    """A new account's engagement is counted but flagged until it has a little history."""
    days = current_app.config["ENGAGEMENT_TRUST_DAYS"]
    return user.created_at > datetime.now(UTC) - timedelta(days=days)


def published_note(note_id: int):
    """(id, kol_id) of a published note, else NotFound (an unpublished note is not there)."""
    row = db.session.execute(
        select(Note.id, Note.kol_id).where(Note.id == note_id, Note.status == NoteStatus.PUBLISHED)
    ).first()
    if row is None:
        raise NotFound(_("The note does not exist or is not published."), field="note_id")
    return row


def _act(user: User, kind: str, pending: dict[str, str], **fields) -> str:
    action = {"a": kind, "u": user.id, "t": time.time(), "f": 1 if is_flagged(user) else 0}
    action.update({k: v for k, v in fields.items() if v is not None or k == "b"})
    return pipeline.accept(action, pending)


def like(user: User, note_id: int) -> str:
    _actor(user)
    published_note(note_id)
    return _act(user, "like", {f"like:{note_id}": "1"}, n=note_id)


def unlike(user: User, note_id: int) -> str:
    _actor(user)
    published_note(note_id)
    return _act(user, "unlike", {f"like:{note_id}": "0"}, n=note_id)


def own_board(user: User, board_id: int | None) -> WishlistBoard | None:
    if board_id is None:
        return None
    board = db.session.get(WishlistBoard, board_id)
    if board is None or board.user_id != user.id:
        raise ValidationFailed({"board_id": [_("Choose one of your boards.")]})
    return board


def save(user: User, note_id: int, board_id: int | None = None, *, set_board: bool = False):
    """Save a note (into a board, or none); ``set_board`` also moves an existing save there."""
    _actor(user)
    published_note(note_id)
    own_board(user, board_id)
    fields = {"n": note_id}
    if set_board or board_id is not None:
        fields["b"] = board_id
    return _act(user, "save", {f"save:{note_id}": str(board_id or "")}, **fields)


def unsave(user: User, note_id: int) -> str:
    _actor(user)
    published_note(note_id)
    return _act(user, "unsave", {f"save:{note_id}": "-", f"bought:{note_id}": "0"}, n=note_id)


def is_saved(user: User, note_id: int) -> bool:
    pending = pipeline.pending_state(user.id).get(f"save:{note_id}")
    if pending is not None:
        return pending != "-"
    return (
        db.session.scalar(
            select(NoteSave.note_id).where(NoteSave.note_id == note_id, NoteSave.user_id == user.id)
        )
        is not None
    )


def mark_bought(user: User, note_id: int) -> str:
    """ "Bought it" on a saved note (the weed pulled); again is a no-op."""
    _actor(user)
    published_note(note_id)
    if not is_saved(user, note_id):
        raise ValidationFailed({"note_id": [_("Save the note before marking it bought.")]})
    return _act(user, "bought", {f"bought:{note_id}": "1"}, n=note_id, s="shopper")


def mark_bought_by_conversion(*, note_id: int, user_id: int, at: datetime) -> bool:
    """A brand reported a purchase through this user's click on the note: their save (if any)
    is marked bought. Runs inside the conversion's transaction (flushes only)."""
    action = {"a": "bought", "u": user_id, "n": note_id, "t": at.timestamp(), "s": "conversion"}
    _mark_verified_buyer(user_id, at)
    return pipeline.apply_actions([action]) > 0


def _mark_verified_buyer(user_id: int, at: datetime) -> None:
    """A confirmed order through their own click makes a shopper a verified shopper (once)."""
    db.session.execute(
        update(ShopperProfile)
        .where(ShopperProfile.user_id == user_id, ShopperProfile.verified_buyer_at.is_(None))
        .values(verified_buyer_at=at)
        .execution_options(synchronize_session=False)
    )


def _kol(kol_id: int) -> User:
    kol = db.session.get(User, kol_id)
    if kol is None or kol.role != Role.KOL or kol.is_disabled:
        raise NotFound(_("There is no such creator."), field="kol_id")
    return kol


def follow(user: User, kol_id: int, note_id: int | None = None) -> str:
    """Follow a KOL; from a note page the follow is credited to that note."""
    _actor(user)
    if kol_id == user.id:
        raise ValidationFailed({"kol_id": [_("You cannot follow yourself.")]})
    _kol(kol_id)
    if note_id is not None and published_note(note_id).kol_id != kol_id:
        note_id = None
    return _act(user, "follow", {f"follow:{kol_id}": "1"}, k=kol_id, n=note_id)


def unfollow(user: User, kol_id: int, note_id: int | None = None) -> str:
    _actor(user)
    _kol(kol_id)
    if note_id is not None and published_note(note_id).kol_id != kol_id:
        note_id = None
    return _act(user, "unfollow", {f"follow:{kol_id}": "0"}, k=kol_id, n=note_id)


# --- boards ---------------------------------------------------------------------------------


def _board_name(name: str | None) -> str:
    value = clean_text(name, 500)
    if not value:
        raise ValidationFailed({"name": [_("Give the board a name.")]})
    if len(value) > BOARD_NAME_MAX:
        raise ValidationFailed({"name": [_("At most 60 characters.")]})
    return value


def boards_of(user: User) -> list[WishlistBoard]:
    return list(
        db.session.scalars(
            select(WishlistBoard)
            .where(WishlistBoard.user_id == user.id)
            .order_by(WishlistBoard.name)
        )
    )


def create_board(user: User, name: str | None, *, is_private: bool = True) -> WishlistBoard:
    _actor(user)
    name = _board_name(name)
    count = db.session.scalar(
        select(func.count()).select_from(WishlistBoard).where(WishlistBoard.user_id == user.id)
    )
    if count >= MAX_BOARDS:
        raise ValidationFailed({"name": [_("You have reached the number of boards allowed.")]})
    board = WishlistBoard(user_id=user.id, name=name, is_private=is_private)
    try:
        with db.session.begin_nested():
            db.session.add(board)
    except IntegrityError:
        raise ValidationFailed({"name": [_("You already have a board with this name.")]}) from None
    return board


def rename_board(user: User, board_id: int, name: str | None, *, is_private=None):
    board = own_board(user, board_id)
    board.name = _board_name(name)
    if is_private is not None:
        board.is_private = bool(is_private)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ValidationFailed({"name": [_("You already have a board with this name.")]}) from None
    return board


def delete_board(user: User, board_id: int) -> None:
    """Delete a board; its saves stay saved, out of any board."""
    board = own_board(user, board_id)
    db.session.delete(board)
    db.session.flush()


# --- what pages show ------------------------------------------------------------------------


def note_counts(note_id: int, kol_id: int) -> dict[str, int]:
    """Likes, saves and the KOL's followers: the rows behind them, in one query."""

    def count(model, where):
        return select(func.count()).select_from(model).where(where).scalar_subquery()

    row = db.session.execute(
        select(
            count(NoteLike, NoteLike.note_id == note_id),
            count(NoteSave, NoteSave.note_id == note_id),
            count(KolFollow, KolFollow.kol_id == kol_id),
        )
    ).one()
    return {"likes": row[0], "saves": row[1], "followers": row[2]}


def viewer_state(user: User, note_id: int) -> dict:
    """The viewer's own state on a note (their pending actions applied), the counts adjusted by
    what is still pending for them, and their boards."""
    note = published_note(note_id)
    liked = db.session.scalar(
        select(NoteLike.note_id).where(NoteLike.note_id == note_id, NoteLike.user_id == user.id)
    )
    saved = db.session.execute(
        select(NoteSave.board_id, NoteSave.bought_at).where(
            NoteSave.note_id == note_id, NoteSave.user_id == user.id
        )
    ).first()
    following = db.session.scalar(
        select(KolFollow.kol_id).where(
            KolFollow.follower_id == user.id, KolFollow.kol_id == note.kol_id
        )
    )
    counts = note_counts(note_id, note.kol_id)
    state = {
        "liked": liked is not None,
        "saved": saved is not None,
        "board_id": saved[0] if saved else None,
        "bought": bool(saved and saved[1]),
        "following": following is not None,
    }
    db_state = dict(state)
    pending = pipeline.pending_state(user.id)
    if f"like:{note_id}" in pending:
        state["liked"] = pending[f"like:{note_id}"] == "1"
    if f"save:{note_id}" in pending:
        value = pending[f"save:{note_id}"]
        state["saved"] = value != "-"
        state["board_id"] = int(value) if value.isdecimal() else None
        if value == "-":
            state["bought"] = False
    if pending.get(f"bought:{note_id}") == "1" and state["saved"]:
        state["bought"] = True
    if f"follow:{note.kol_id}" in pending:
        state["following"] = pending[f"follow:{note.kol_id}"] == "1"
    for flag, counter in (("liked", "likes"), ("saved", "saves"), ("following", "followers")):
        counts[counter] += int(state[flag]) - int(db_state[flag])
    return {
        **state,
        "note_id": note_id,
        "kol_id": note.kol_id,
        "can_follow": note.kol_id != user.id,
        "counts": counts,
        "boards": [{"id": b.id, "name": b.name} for b in boards_of(user)],
    }


def wishlist(user: User) -> list[dict]:
    """The user's saves by board (boards by name, then the saves in no board), newest first."""
    boards = boards_of(user)
    rows = db.session.execute(
        select(NoteSave, Note.title, Note.slug, Note.status)
        .join(Note, Note.id == NoteSave.note_id)
        .where(NoteSave.user_id == user.id)
        .order_by(NoteSave.created_at.desc())
    ).all()
    groups = {b.id: {"board": b, "saves": []} for b in boards}
    loose: dict = {"board": None, "saves": []}
    for save_row, title, slug, status in rows:
        item = {
            "note_id": save_row.note_id, "title": title, "slug": slug,
            "published": status == NoteStatus.PUBLISHED, "saved_at": save_row.created_at,
            "bought_at": save_row.bought_at, "bought_source": save_row.bought_source,
        }  # fmt: skip
        groups.get(save_row.board_id, loose)["saves"].append(item)
    return [*groups.values(), loose]
