"""/api/v1 engagement: like, save (with a board), "bought it", follow, and the caller's
wishlist — the same services and rules as the note page. Counts are never writable here: each
endpoint only performs its own action (idempotent: repeating it changes nothing)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictInteger, StrictSchema
from app.engagement import services
from app.engagement.services import ENGAGERS
from app.extensions import db

MAX_ID = 2**63 - 1


def _optional_id(description: str) -> StrictInteger:
    return StrictInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": description},
    )


class SaveBody(StrictSchema):
    board_id = _optional_id("A board of yours; null or absent keeps or clears it (see summary)")


class FollowBody(StrictSchema):
    note_id = _optional_id("The note you followed from (credits it)")


class Counts(Schema):
    likes = fields.Integer(required=True)
    saves = fields.Integer(required=True)
    followers = fields.Integer(required=True)


class BoardName(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class EngagementState(Schema):
    note_id = fields.Integer(required=True)
    kol_id = fields.Integer(required=True)
    liked = fields.Boolean(required=True)
    saved = fields.Boolean(required=True)
    board_id = fields.Integer(required=True, allow_none=True)
    bought = fields.Boolean(required=True)
    following = fields.Boolean(required=True)
    can_follow = fields.Boolean(required=True)
    counts = fields.Nested(Counts, required=True)
    boards = fields.List(fields.Nested(BoardName), required=True)


class FollowState(Schema):
    kol_id = fields.Integer(required=True)
    following = fields.Boolean(required=True)


class WishlistSave(Schema):
    note_id = fields.Integer(required=True)
    title = fields.String(required=True)
    published = fields.Boolean(required=True)
    saved_at = fields.String(required=True, metadata={"format": "date-time"})
    bought_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    bought_source = fields.String(required=True, allow_none=True)


class WishlistBoard(Schema):
    id = fields.Integer(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True)
    is_private = fields.Boolean(required=True)
    saves = fields.List(fields.Nested(WishlistSave), required=True)


class Wishlist(Schema):
    """Grouped by board, not a paged list: the last group is the saves in no board."""

    boards = fields.List(fields.Nested(WishlistBoard), required=True)


_ERRORS = (
    (404, "No such published note (or creator)"),
    (503, "Unavailable for a moment: retry after Retry-After seconds"),
)


def _declare(operation_id: str, summary: str, answer: type[Schema], body=None):
    """An engagement operation's declarations: its name, its optional body, its answers."""

    def decorate(view):
        for status, description in _ERRORS:
            view = bp.alt_response(status, schema=ErrorSchema, description=description)(view)
        view = bp.response(200, answer)(view)
        if body is not None:
            view = bp.arguments(body, required=False)(view)
        return bp.doc(operationId=operation_id, summary=summary, tags=["engagement"])(view)

    return decorate


def _note_state(note_id: int) -> dict:
    db.session.commit()
    return services.viewer_state(api_user(), note_id)


@bp.put("/notes/<int:note_id>/like")
@api_access(*ENGAGERS)
@_declare("likeNote", "Like a published note (again: no change)", EngagementState)
def put_like(note_id: int):
    services.like(api_user(), note_id)
    return _note_state(note_id)


@bp.delete("/notes/<int:note_id>/like")
@api_access(*ENGAGERS)
@_declare("unlikeNote", "Take your like back (again: no change)", EngagementState)
def delete_like(note_id: int):
    services.unlike(api_user(), note_id)
    return _note_state(note_id)


@bp.put("/notes/<int:note_id>/save")
@api_access(*ENGAGERS)
@_declare(
    "saveNote", "Save a note, into a board or none (moves it)", EngagementState, body=SaveBody
)
def put_save(payload: dict, note_id: int):
    board_id = payload.get("board_id")
    services.save(api_user(), note_id, board_id, set_board="board_id" in payload)
    return _note_state(note_id)


@bp.delete("/notes/<int:note_id>/save")
@api_access(*ENGAGERS)
@_declare("unsaveNote", "Remove a note from your wishlist", EngagementState)
def delete_save(note_id: int):
    services.unsave(api_user(), note_id)
    return _note_state(note_id)


@bp.post("/notes/<int:note_id>/bought")
@api_access(*ENGAGERS)
@_declare("markNoteBought", 'Mark a saved note "bought it" (once)', EngagementState)
def post_bought(note_id: int):
    services.mark_bought(api_user(), note_id)
    return _note_state(note_id)


def _follow_state(kol_id: int, following: bool) -> dict:
    db.session.commit()
    return {"kol_id": kol_id, "following": following}


@bp.put("/kols/<int:kol_id>/follow")
@api_access(*ENGAGERS)
@_declare(
    "followKol",
    "Follow a creator (from a note: note_id credits it)",
    FollowState,
    body=FollowBody,
)
def put_follow(payload: dict, kol_id: int):
    services.follow(api_user(), kol_id, payload.get("note_id"))
    return _follow_state(kol_id, True)


@bp.delete("/kols/<int:kol_id>/follow")
@api_access(*ENGAGERS)
@_declare("unfollowKol", "Stop following a creator", FollowState)
def delete_follow(kol_id: int):
    services.unfollow(api_user(), kol_id)
    return _follow_state(kol_id, False)


def _iso(value):
    return value.isoformat() if value else None


@bp.get("/wishlist")
@api_access(*ENGAGERS)
@bp.doc(
    operationId="getWishlist",
    summary="Your saved notes by board (the last group is the saves in no board)",
    tags=["engagement"],
)
@bp.response(200, Wishlist)
def get_wishlist():
    boards = []
    for group in services.wishlist(api_user()):
        board = group["board"]
        boards.append(
            {
                "id": board.id if board else None,
                "name": board.name if board else None,
                "is_private": board.is_private if board else True,
                "saves": [
                    {
                        "note_id": s["note_id"],
                        "title": s["title"],
                        "published": s["published"],
                        "saved_at": _iso(s["saved_at"]),
                        "bought_at": _iso(s["bought_at"]),
                        "bought_source": s["bought_source"],
                    }
                    for s in group["saves"]
                ],
            }
        )
    return {"boards": boards}
