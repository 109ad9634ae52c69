"""/api/v1 engagement: like, save (with a board), "bought it", follow, and the caller's
wishlist — the same services and rules as the note page. Counts are never writable here: each
endpoint only performs its own action (idempotent: repeating it changes nothing)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.auth.models import Role
from app.engagement import services
from app.errors import ValidationFailed
from app.extensions import db

ENGAGING = (Role.BRAND, Role.KOL, Role.SHOPPER)
MAX_ID = 2**63 - 1


def _body() -> dict[str, Any]:
    """The optional JSON object body (empty → {}); anything else names the field ``body``."""
    if not request.get_data():
        return {}
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": [_("Send a JSON object.")]}, _("Send a JSON object."))
    return payload


def _optional_id(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValidationFailed({name: [_("An id (a positive whole number) or null.")]})
    return value


def _note_state(note_id: int):
    db.session.commit()
    return jsonify(services.viewer_state(api_user(), note_id))


@bp.put("/notes/<int:note_id>/like")
@api_access(*ENGAGING)
def put_like(note_id: int):
    services.like(api_user(), note_id)
    return _note_state(note_id)


@bp.delete("/notes/<int:note_id>/like")
@api_access(*ENGAGING)
def delete_like(note_id: int):
    services.unlike(api_user(), note_id)
    return _note_state(note_id)


@bp.put("/notes/<int:note_id>/save")
@api_access(*ENGAGING)
def put_save(note_id: int):
    payload = _body()
    board_id = _optional_id(payload, "board_id")
    services.save(api_user(), note_id, board_id, set_board="board_id" in payload)
    return _note_state(note_id)


@bp.delete("/notes/<int:note_id>/save")
@api_access(*ENGAGING)
def delete_save(note_id: int):
    services.unsave(api_user(), note_id)
    return _note_state(note_id)


@bp.post("/notes/<int:note_id>/bought")
@api_access(*ENGAGING)
def post_bought(note_id: int):
    services.mark_bought(api_user(), note_id)
    return _note_state(note_id)


def _follow_state(kol_id: int, following: bool):
    db.session.commit()
    return jsonify(kol_id=kol_id, following=following)


@bp.put("/kols/<int:kol_id>/follow")
@api_access(*ENGAGING)
def put_follow(kol_id: int):
    note_id = _optional_id(_body(), "note_id")
    services.follow(api_user(), kol_id, note_id)
    return _follow_state(kol_id, True)


@bp.delete("/kols/<int:kol_id>/follow")
@api_access(*ENGAGING)
def delete_follow(kol_id: int):
    services.unfollow(api_user(), kol_id)
    return _follow_state(kol_id, False)


def _iso(value):
    return value.isoformat() if value else None


@bp.get("/wishlist")
@api_access(*ENGAGING)
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
    return jsonify(boards=boards)


# --- the OpenAPI document -------------------------------------------------------------------

SCHEMAS["EngagementState"] = {
    "type": "object",
    "required": ["note_id", "kol_id", "liked", "saved", "bought", "following", "counts"],
    "properties": {
        "note_id": {"type": "integer"},
        "kol_id": {"type": "integer"},
        "liked": {"type": "boolean"},
        "saved": {"type": "boolean"},
        "board_id": {"type": "integer", "nullable": True},
        "bought": {"type": "boolean"},
        "following": {"type": "boolean"},
        "can_follow": {"type": "boolean"},
        "counts": {
            "type": "object",
            "properties": {
                "likes": {"type": "integer"},
                "saves": {"type": "integer"},
                "followers": {"type": "integer"},
            },
        },
        "boards": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
        },
    },
}
SCHEMAS["FollowState"] = {
    "type": "object",
    "required": ["kol_id", "following"],
    "properties": {"kol_id": {"type": "integer"}, "following": {"type": "boolean"}},
}
SCHEMAS["Wishlist"] = {
    "type": "object",
    "required": ["boards"],
    "properties": {
        "boards": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "nullable": True},
                    "name": {"type": "string", "nullable": True},
                    "is_private": {"type": "boolean"},
                    "saves": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "note_id": {"type": "integer"},
                                "title": {"type": "string"},
                                "published": {"type": "boolean"},
                                "saved_at": {"type": "string", "format": "date-time"},
                                "bought_at": {
                                    "type": "string",
                                    "format": "date-time",
                                    "nullable": True,
                                },
                                "bought_source": {"type": "string", "nullable": True},
                            },
                        },
                    },
                },
            },
        }
    },
}


def _ref(name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def _id_param(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


def _body_schema(*fields: str) -> dict:
    props = {f: {"type": "integer", "minimum": 1, "nullable": True} for f in fields}
    return {
        "required": False,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": props, "additionalProperties": False}
            }
        },
    }


_ERRORS = {
    "404": error_response("No such published note (or creator)"),
    "422": error_response("A field is not valid (named in error.fields)"),
    "503": error_response("Unavailable for a moment: retry after Retry-After seconds"),
}


def _note_op(method: str, action: str, summary: str, operation_id: str, body: bool = False):
    operation = {
        "summary": summary,
        "operationId": operation_id,
        "tags": ["engagement"],
        "parameters": [_id_param("note_id")],
        "responses": {"200": _ref("EngagementState", "Your state on the note"), **_ERRORS},
    }
    if body:
        operation["requestBody"] = _body_schema("board_id")
    document(f"/notes/{{note_id}}/{action}", method, operation)


_note_op("put", "like", "Like a published note (again: no change)", "likeNote")
_note_op("delete", "like", "Take your like back (again: no change)", "unlikeNote")
_note_op("put", "save", "Save a note, into a board or none (moves it)", "saveNote", body=True)
_note_op("delete", "save", "Remove a note from your wishlist", "unsaveNote")
_note_op("post", "bought", 'Mark a saved note "bought it" (once)', "markNoteBought")
for _method, _summary, _op, _body_fields in (
    ("put", "Follow a creator (from a note: note_id credits it)", "followKol", ("note_id",)),
    ("delete", "Stop following a creator", "unfollowKol", ()),
):
    _operation = {
        "summary": _summary,
        "operationId": _op,
        "tags": ["engagement"],
        "parameters": [_id_param("kol_id")],
        "responses": {"200": _ref("FollowState", "Whether you follow the creator"), **_ERRORS},
    }
    if _body_fields:
        _operation["requestBody"] = _body_schema(*_body_fields)
    document("/kols/{kol_id}/follow", _method, _operation)
document(
    "/wishlist",
    "get",
    {
        "summary": "Your saved notes by board (the last group is the saves in no board)",
        "operationId": "getWishlist",
        "tags": ["engagement"],
        "responses": {"200": _ref("Wishlist", "Your wishlist")},
    },
)
