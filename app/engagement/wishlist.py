"""The wishlist page: saves by board, what was bought; boards created, renamed, deleted; a save
moved. The rules are engagement-core's (app/engagement/services.py); this is the web side."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.forms import ConfirmForm
from app.authz import PUBLIC, access
from app.engagement import services
from app.engagement.models import NoteSave, WishlistBoard
from app.engagement.services import ENGAGERS
from app.engagement.shoppers import public_names
from app.engagement.social_forms import BoardForm, MoveSaveForm
from app.engagement.social_routes import bp
from app.errors import DomainError
from app.extensions import db
from app.notes import queries
from app.notes.models import Note, NoteStatus

BOARD_PAGE = 48


def _page(board_form: BoardForm | None = None, status: int = 200):
    groups = services.wishlist(current_user)
    boards = [g["board"] for g in groups if g["board"] is not None]
    return render_template(
        "engagement/wishlist.html",
        groups=groups,
        boards=boards,
        board_form=board_form or BoardForm(formdata=None),
        move_form=MoveSaveForm(formdata=None),
        saved=sum(len(g["saves"]) for g in groups),
        bought=sum(1 for g in groups for s in g["saves"] if s["bought_at"]),
    ), status


@bp.get("/wishlist")
@access(*ENGAGERS)
def wishlist():
    return _page()


@bp.post("/wishlist/boards")
@access(*ENGAGERS)
def create_board():
    form = BoardForm()
    if form.validate_on_submit():
        try:
            board = services.create_board(
                current_user, form.name.data, is_private=bool(form.is_private.data)
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show = BoardForm()
            show.name.errors = list(error.fields.get("name", [error.message]))
            return _page(show, error.status)
        flash(_("Board “%(name)s” created.", name=board.name), "success")
    return redirect(url_for("social.wishlist"))


@bp.post("/wishlist/boards/<int:board_id>")
@access(*ENGAGERS)
def update_board(board_id: int):
    form = BoardForm()
    if form.validate_on_submit():
        try:
            services.rename_board(
                current_user, board_id, form.name.data, is_private=bool(form.is_private.data)
            )
            db.session.commit()
            flash(_("Board saved."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(" ".join(m for ms in error.fields.values() for m in ms) or error.message, "error")
    return redirect(url_for("social.wishlist") + f"#board-{board_id}")


@bp.post("/wishlist/boards/<int:board_id>/delete")
@access(*ENGAGERS)
def delete_board(board_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_board(current_user, board_id)
        db.session.commit()
        flash(_("Board deleted; its notes stay saved."), "info")
    except DomainError as error:
        db.session.rollback()
        flash(" ".join(m for ms in error.fields.values() for m in ms) or error.message, "error")
    return redirect(url_for("social.wishlist"))


@bp.post("/wishlist/saves/<int:note_id>/move")
@access(*ENGAGERS)
def move_save(note_id: int):
    form = MoveSaveForm()
    if form.validate_on_submit():
        raw = form.board_id.data or ""
        try:
            services.save(
                current_user, note_id, int(raw) if raw.isdecimal() else None, set_board=True
            )
            db.session.commit()
            flash(_("Moved."), "success")
        except DomainError as error:
            db.session.rollback()
            flash(" ".join(m for ms in error.fields.values() for m in ms) or error.message, "error")
    return redirect(url_for("social.wishlist"))


@bp.get("/wishlist/boards/<int:board_id>")
@access(PUBLIC)
def board_page(board_id: int):
    """A board's shareable page: public boards for anyone, private ones for their owner only."""
    board = db.session.get(WishlistBoard, board_id)
    is_owner = (
        current_user.is_authenticated and board is not None and board.user_id == current_user.id
    )
    if board is None or (board.is_private and not is_owner):
        abort(404)
    notes = list(
        db.session.scalars(
            select(Note)
            .join(NoteSave, NoteSave.note_id == Note.id)
            .where(NoteSave.board_id == board.id, Note.status == NoteStatus.PUBLISHED)
            .order_by(NoteSave.created_at.desc())
            .limit(BOARD_PAGE)
        )
    )
    cards = queries.note_cards(notes)
    return render_template(
        "engagement/board.html",
        board=board,
        owner_name=public_names([board.user_id]).get(board.user_id, ""),
        notes=notes,
        is_owner=is_owner,
        **cards,
    )


def _save_action(note_id: int, act, message: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        act(current_user, note_id)
        db.session.commit()
        flash(message, "success")
    except DomainError as error:
        db.session.rollback()
        flash(" ".join(m for ms in error.fields.values() for m in ms) or error.message, "error")
    return redirect(url_for("social.wishlist"))


@bp.post("/wishlist/saves/<int:note_id>/bought")
@access(*ENGAGERS)
def mark_bought(note_id: int):
    return _save_action(note_id, services.mark_bought, _("Marked as bought."))


@bp.post("/wishlist/saves/<int:note_id>/remove")
@access(*ENGAGERS)
def remove_save(note_id: int):
    return _save_action(note_id, services.unsave, _("Removed from your wishlist."))
