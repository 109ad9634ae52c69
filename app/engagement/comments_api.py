"""/api/v1 comments: list a note's comments, comment or reply, delete one's own comment.
The same service and rate limit (per account, shared with the web form) as the note page."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.authz import PUBLIC
from app.engagement import comments
from app.engagement.comments import BODY_MAX, CommentView
from app.engagement.shoppers import public_names
from app.engagement.social_routes import ENGAGERS, comment_limit, comment_limit_key
from app.errors import NotFound, ValidationFailed
from app.extensions import db, limiter
from app.notes import queries
from app.pagination import page_json

MAX_PER_PAGE = 100
MAX_ID = 2**63 - 1


def comment_json(view: CommentView, *, with_replies: bool = True) -> dict[str, Any]:
    c = view.comment
    data: dict[str, Any] = {
        "id": c.id,
        "note_id": c.note_id,
        "parent_id": c.parent_id,
        "body": c.body,
        "author": {"id": c.user_id, "name": view.author_name},
        "created_at": c.created_at.isoformat(),
    }
    if with_replies:
        data["replies"] = [comment_json(r, with_replies=False) for r in view.replies]
    return data


def _payload() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": [_("Send a JSON object.")]}, _("Send a JSON object."))
    return payload


@bp.get("/notes/<int:note_id>/comments")
@api_access(PUBLIC)
def list_comments(note_id: int):
    note = queries.published_note(note_id)
    if note is None:
        raise NotFound(_("No such note."))
    per_page = min(max(request.args.get("per_page", comments.PER_PAGE, int), 1), MAX_PER_PAGE)
    page = comments.comments_page(note, page=request.args.get("page", 1, int), per_page=per_page)
    return jsonify(page_json(page, [comment_json(v) for v in page.items]))


@bp.post("/notes/<int:note_id>/comments")
@api_access(*ENGAGERS)
@limiter.shared_limit(comment_limit, scope="comments", key_func=comment_limit_key)
def post_comment(note_id: int):
    payload = _payload()
    parent_id = payload.get("parent_id")
    if parent_id is not None and (
        isinstance(parent_id, bool) or not isinstance(parent_id, int) or not 0 < parent_id <= MAX_ID
    ):
        raise ValidationFailed({"parent_id": [_("An id (a positive whole number) or null.")]})
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        raise ValidationFailed({"body": [_("Must be a string.")]})
    comment = comments.add_comment(
        note_id=note_id, user_id=api_user().id, body=body, parent_id=parent_id
    )
    db.session.commit()
    view = CommentView(comment, public_names([comment.user_id]).get(comment.user_id, ""), None)
    return jsonify(comment_json(view)), 201


@bp.delete("/comments/<int:comment_id>")
@api_access(*ENGAGERS)
def delete_comment(comment_id: int):
    comments.delete_own_comment(comment_id=comment_id, user_id=api_user().id)
    db.session.commit()
    return "", 204


# --- OpenAPI ---------------------------------------------------------------------------------

_REPLY = {
    "type": "object",
    "required": ["id", "note_id", "body", "author", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "note_id": {"type": "integer"},
        "parent_id": {"type": "integer", "nullable": True, "description": "null: top level"},
        "body": {"type": "string", "description": "Plain text (show it as text, never HTML)"},
        "author": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "created_at": {"type": "string", "format": "date-time"},
    },
}
SCHEMAS["Comment"] = {
    **_REPLY,
    "properties": {
        **_REPLY["properties"],
        "replies": {"type": "array", "items": _REPLY, "description": "Oldest first (one level)"},
    },
}
SCHEMAS["CommentPage"] = {
    "type": "object",
    "required": ["items", "page", "per_page", "total", "pages"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer", "description": "Top-level comments"},
        "pages": {"type": "integer"},
    },
}
SCHEMAS["NewComment"] = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": BODY_MAX},
        "parent_id": {
            "type": "integer",
            "nullable": True,
            "description": "Reply to this comment (a reply to a reply joins its thread)",
        },
    },
}


def _ref(name: str, description: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


document(
    "/notes/{note_id}/comments",
    "get",
    {
        "summary": "A published note's comments, newest first, with their replies",
        "operationId": "listNoteComments",
        "tags": ["engagement"],
        "security": [],
        "parameters": [
            _param("note_id"),
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {
                "name": "per_page",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            },
        ],
        "responses": {
            "200": _ref("CommentPage", "A page of comments"),
            "404": error_response("No such published note"),
        },
    },
)
document(
    "/notes/{note_id}/comments",
    "post",
    {
        "summary": "Comment on a published note, or reply to one of its comments",
        "operationId": "postNoteComment",
        "tags": ["engagement"],
        "description": "Caller role: shopper, brand or KOL. Limited per account "
        "(`COMMENT_LIMIT`, default 10 per minute, shared with the web form).",
        "parameters": [_param("note_id")],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/NewComment"}}
            },
        },
        "responses": {
            "201": _ref("Comment", "The comment"),
            "404": error_response("No such published note"),
            "422": error_response("Invalid input (fields named: body, parent_id)"),
            "429": error_response("Too many comments; retry after a minute"),
        },
    },
)
document(
    "/comments/{comment_id}",
    "delete",
    {
        "summary": "Delete your own comment (its replies go with it)",
        "operationId": "deleteComment",
        "tags": ["engagement"],
        "parameters": [_param("comment_id")],
        "responses": {
            "204": {"description": "Deleted"},
            "404": error_response("No such comment of yours"),
        },
    },
)
