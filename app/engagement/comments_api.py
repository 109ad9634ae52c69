"""/api/v1 comments: list a note's comments, comment or reply, delete one's own comment.
The same service and rate limit (per account, shared with the web form) as the note page."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.routes import bp
from app.api.schemas import (
    ErrorSchema,
    PageArgs,
    StrictInteger,
    StrictSchema,
    page_of,
    text,
)
from app.authz import PUBLIC
from app.engagement import comments
from app.engagement.comment_section import comment_limit, comment_limit_key
from app.engagement.comments import BODY_MAX, CommentView
from app.engagement.services import ENGAGERS
from app.engagement.shoppers import public_names
from app.errors import NotFound
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
        "author": {
            "id": c.user_id,
            "name": view.author_name,
            "verified_shopper": view.verified_buyer,
        },
        "created_at": c.created_at.isoformat(),
    }
    if with_replies:
        data["replies"] = [comment_json(r, with_replies=False) for r in view.replies]
    return data


class CommentQuery(PageArgs):
    per_page = fields.Integer(
        load_default=comments.PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(comments.SORTS),
        metadata={"description": "newest, or verified: verified shoppers' comments first"},
    )


class NewComment(StrictSchema):
    body = text(BODY_MAX, metadata={"description": "Needed: plain text, not empty"})
    parent_id = StrictInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Reply to this comment (a reply to a reply joins its thread)"},
    )


class Author(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    verified_shopper = fields.Boolean(
        required=True,
        metadata={"description": "Bought through a tracked link; the brand confirmed the order"},
    )


class Reply(Schema):
    id = fields.Integer(required=True)
    note_id = fields.Integer(required=True)
    parent_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null: top level"}
    )
    body = fields.String(
        required=True, metadata={"description": "Plain text (show it as text, never HTML)"}
    )
    author = fields.Nested(Author, required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class CommentSchema(Reply):
    replies = fields.List(
        fields.Nested(Reply), required=True, metadata={"description": "Oldest first (one level)"}
    )


_NO_NOTE = {"schema": ErrorSchema, "description": "No such published note"}


@bp.get("/notes/<int:note_id>/comments")
@api_access(PUBLIC)
@bp.doc(
    operationId="listNoteComments",
    summary="A published note's comments, newest first, with their replies",
    tags=["engagement"],
)
@bp.arguments(CommentQuery, location="query")
@bp.response(200, page_of(CommentSchema, "CommentPage"))
@bp.alt_response(404, **_NO_NOTE)
def list_comments(args: dict, note_id: int):
    note = queries.published_note(note_id)
    if note is None:
        raise NotFound(_("No such note."))
    page = comments.comments_page(
        note, page=args["page"], per_page=args["per_page"], sort=args["sort"]
    )
    return page_json(page, [comment_json(v) for v in page.items])


@bp.post("/notes/<int:note_id>/comments")
@api_access(*ENGAGERS)
@limiter.shared_limit(comment_limit, scope="comments", key_func=comment_limit_key)
@bp.doc(
    operationId="postNoteComment",
    summary="Comment on a published note, or reply to one of its comments",
    description="Caller role: shopper, brand or KOL. Limited per account (`COMMENT_LIMIT`, "
    "default 10 per minute, shared with the web form).",
    tags=["engagement"],
)
@bp.arguments(NewComment)
@bp.response(201, CommentSchema)
@bp.alt_response(404, **_NO_NOTE)
@bp.alt_response(429, schema=ErrorSchema, description="Too many comments; retry after a minute")
def post_comment(payload: dict, note_id: int):
    comment = comments.add_comment(
        note_id=note_id,
        user_id=api_user().id,
        body=payload.get("body"),
        parent_id=payload.get("parent_id"),
    )
    db.session.commit()
    name = public_names([comment.user_id]).get(comment.user_id, "")
    view = CommentView(comment, name, None, comments.is_verified_buyer(comment.user_id))
    return comment_json(view)


@bp.delete("/comments/<int:comment_id>")
@api_access(*ENGAGERS)
@bp.doc(
    operationId="deleteComment",
    summary="Delete your own comment (its replies go with it)",
    tags=["engagement"],
)
@bp.response(204, description="Deleted")
@bp.alt_response(404, schema=ErrorSchema, description="No such comment of yours")
def delete_comment(comment_id: int):
    comments.delete_own_comment(comment_id=comment_id, user_id=api_user().id)
    db.session.commit()
    return current_app.response_class(status=204)
