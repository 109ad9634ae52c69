"""/api/v1: wishlist boards, and what a note's KOL and brand (hide) or any reader (report) may
do about a comment — the same services as the wishlist page and the comment buttons."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictBoolean, StrictSchema, text
from app.auth.models import Role
from app.authz import SIGNED_IN
from app.engagement import comments, services
from app.engagement.comments import REASON_MAX
from app.engagement.models import NoteComment, WishlistBoard
from app.engagement.services import BOARD_NAME_MAX, ENGAGERS
from app.errors import NotFound
from app.extensions import db
from app.notes import queries

_NO_BOARD = {"schema": ErrorSchema, "description": "No such board of yours"}
_NO_COMMENT = {"schema": ErrorSchema, "description": "No such comment"}


class BoardInput(StrictSchema):
    name = text(BOARD_NAME_MAX, required=True)
    is_private = StrictBoolean(load_default=True)


class BoardUpdate(StrictSchema):
    """``name`` is needed; the service says so (a 422 naming it) after the board is found to
    be the caller's, so a stranger learns nothing from the answer."""

    name = text(BOARD_NAME_MAX, load_default=None)
    is_private = StrictBoolean()


class BoardSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    is_private = fields.Boolean(required=True)


class ReportInput(StrictSchema):
    reason = text(REASON_MAX, load_default="")


class CommentState(Schema):
    id = fields.Integer(required=True)
    note_id = fields.Integer(required=True)
    hidden = fields.Boolean(required=True)


class ReportSchema(Schema):
    comment_id = fields.Integer(required=True)
    reported = fields.Boolean(required=True)


def _own_board(board_id: int) -> None:
    """A board in the path that is not the caller's is 404 (the services' own check answers
    422 naming ``board_id``, as a field of a form or a body)."""
    board = db.session.get(WishlistBoard, board_id)
    if board is None or board.user_id != api_user().id:
        raise NotFound(_("No such board."))


def _board_json(board) -> dict:
    return {"id": board.id, "name": board.name, "is_private": board.is_private}


@bp.post("/wishlist/boards")
@api_access(*ENGAGERS)
@bp.doc(operationId="createWishlistBoard", summary="A new board for your saved notes")
@bp.arguments(BoardInput)
@bp.response(201, BoardSchema)
def create_wishlist_board(body: dict):
    board = services.create_board(api_user(), body["name"], is_private=body["is_private"])
    db.session.commit()
    return _board_json(board)


@bp.patch("/wishlist/boards/<int:board_id>")
@api_access(*ENGAGERS)
@bp.doc(operationId="updateWishlistBoard", summary="Rename a board, or make it public/private")
@bp.arguments(BoardUpdate)
@bp.response(200, BoardSchema)
@bp.alt_response(404, **_NO_BOARD)
def update_wishlist_board(body: dict, board_id: int):
    _own_board(board_id)
    board = services.rename_board(
        api_user(), board_id, body["name"], is_private=body.get("is_private")
    )
    db.session.commit()
    return _board_json(board)


@bp.delete("/wishlist/boards/<int:board_id>")
@api_access(*ENGAGERS)
@bp.doc(operationId="deleteWishlistBoard", summary="Delete a board (its notes stay saved)")
@bp.response(204)
@bp.alt_response(404, **_NO_BOARD)
def delete_wishlist_board(board_id: int):
    _own_board(board_id)
    services.delete_board(api_user(), board_id)
    db.session.commit()
    return ""


def _hidden(comment_id: int, hidden: bool) -> dict:
    comment = comments.set_hidden(comment_id=comment_id, user_id=api_user().id, hidden=hidden)
    db.session.commit()
    return {"id": comment.id, "note_id": comment.note_id, "hidden": comment.hidden_at is not None}


@bp.put("/comments/<int:comment_id>/hidden")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="hideComment", summary="Hide a comment from the public (the note's KOL or brand)"
)
@bp.response(200, CommentState)
@bp.alt_response(404, **_NO_COMMENT)
def hide_comment(comment_id: int):
    return _hidden(comment_id, True)


@bp.delete("/comments/<int:comment_id>/hidden")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(operationId="unhideComment", summary="Show a hidden comment again")
@bp.response(200, CommentState)
@bp.alt_response(404, **_NO_COMMENT)
def unhide_comment(comment_id: int):
    return _hidden(comment_id, False)


@bp.post("/comments/<int:comment_id>/reports")
@api_access(SIGNED_IN)
@bp.doc(operationId="reportComment", summary="Report a comment to the admins (once per account)")
@bp.arguments(ReportInput)
@bp.response(200, ReportSchema)
@bp.alt_response(404, **_NO_COMMENT)
def report_comment(body: dict, comment_id: int):
    comment = db.session.get(NoteComment, comment_id)
    if comment is None or queries.published_note(comment.note_id) is None:
        raise NotFound(_("No such comment."))  # as on the note's page: only published notes'
    comments.report_comment(comment_id=comment_id, user_id=api_user().id, reason=body["reason"])
    db.session.commit()
    return {"comment_id": comment_id, "reported": True}
