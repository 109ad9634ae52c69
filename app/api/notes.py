"""/api/v1 endpoints for notes (same services and rules as the web pages)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _

from app import pagecache
from app.api.auth import api_access, api_user
from app.api.openapi import SCHEMAS, document, error_response
from app.api.routes import bp
from app.auth.models import Role
from app.authz import PUBLIC, SIGNED_IN
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.notes import publishing, queries, services
from app.notes.models import Note, NoteStatus
from app.notes.public_routes import explore_filters
from app.pagination import page_json

MAX_PER_PAGE = 50


def _media(name: str) -> str:
    return url_for("main.media", name=name)


def note_json(note: Note, *, as_brand: bool = False) -> dict[str, Any]:
    """A note as JSON; the brand sees the last submitted revision, never work in progress."""
    content: Any = note
    images = [_media(i.file) for i in note.images]
    video = note.video_url or (_media(note.video_file) if note.video_file else None)
    if as_brand:
        revisions = queries.revisions(note.id)
        content = revisions[-1]
        images = [_media(name) for name in content.images]
        video = content.video_url
    published = note.status == NoteStatus.PUBLISHED
    return {
        "id": note.id,
        "contract_id": note.contract_id,
        "campaign_id": note.campaign_id,
        "kol_id": note.kol_id,
        "brand_id": note.brand_id,
        "category": note.category,
        "status": note.status.value,
        "revision": note.revision,
        "title": content.title,
        "body": content.body,
        "hashtags": content.hashtags.split(),
        "images": images,
        "video_url": video,
        "external_url": note.external_url,
        "url": url_for("notes.public", note_id=note.id, slug=note.slug) if published else None,
        "product_link": url_for("analytics.go", code=note.tracking_code) if published else None,
        "published_at": note.published_at.isoformat() if note.published_at else None,
    }


def _readable_note(note_id: int) -> tuple[Note, bool]:
    user = api_user()
    note = db.session.get(Note, note_id)
    if note is not None:
        if note.kol_id == user.id:
            return note, False
        if note.brand_id == user.id and note.status != NoteStatus.DRAFT:
            return note, True
        if note.status == NoteStatus.PUBLISHED:
            return note, False
    raise NotFound(_("No such note."))


def _json_object() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": [_("Send a JSON object.")]}, _("Send a JSON object."))
    return payload


def _text(payload: dict, name: str, current: str | None) -> str | None:
    value = payload.get(name, current)
    if name == "hashtags" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = " ".join(value)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed({name: [_("Must be a string.")]})
    return value


@bp.put("/contracts/<int:contract_id>/note")
@api_access(Role.KOL)
def put_note(contract_id: int):
    payload = _json_object()
    existing = db.session.scalar(db.select(Note).where(Note.contract_id == contract_id))
    current = existing if existing and existing.kol_id == api_user().id else None
    note = services.save_draft(
        contract_id=contract_id,
        kol_id=api_user().id,
        title=_text(payload, "title", current.title if current else "") or "",
        body=_text(payload, "body", current.body if current else "") or "",
        hashtags=_text(payload, "hashtags", current.hashtags if current else "") or "",
        video_url=_text(payload, "video_url", current.video_url if current else None),
    )
    db.session.commit()
    return jsonify(note_json(note)), 200 if current else 201


@bp.post("/notes/<int:note_id>/submit")
@api_access(Role.KOL)
def submit_note(note_id: int):
    note = services.submit_note(note_id=note_id, kol_id=api_user().id)
    db.session.commit()
    return jsonify(note_json(note))


@bp.post("/notes/<int:note_id>/approve")
@api_access(Role.BRAND)
def approve_note(note_id: int):
    note = services.approve_note(note_id=note_id, brand_id=api_user().id)
    db.session.commit()
    return jsonify(note_json(note, as_brand=True))


@bp.post("/notes/<int:note_id>/request-changes")
@api_access(Role.BRAND)
def request_changes(note_id: int):
    payload = _json_object()
    note = services.request_changes(
        note_id=note_id,
        brand_id=api_user().id,
        comment=_text(payload, "comment", "") or "",
        brief_item=_text(payload, "brief_item", "") or "",
    )
    db.session.commit()
    return jsonify(note_json(note, as_brand=True))


@bp.post("/notes/<int:note_id>/publish")
@api_access(Role.KOL)
def republish_note(note_id: int):
    note = publishing.republish_note(note_id=note_id, kol_id=api_user().id)
    db.session.commit()
    return jsonify(note_json(note))


@bp.get("/notes/<int:note_id>")
@api_access(SIGNED_IN)
def get_note(note_id: int):
    note, as_brand = _readable_note(note_id)
    return jsonify(note_json(note, as_brand=as_brand))


@bp.get("/explore")
@api_access(PUBLIC)
def explore():
    """The same body for every caller: kept per process like the public /explore page
    (app/pagecache.py: a change to notes, campaigns or profiles shows on the next request;
    engagement counts behind the trending order may be PAGE_TTL seconds old)."""
    filters = explore_filters(request.args)
    number = request.args.get("page", 1, int)
    per_page = min(max(request.args.get("per_page", 24, int), 1), MAX_PER_PAGE)

    def build() -> bytes:
        page = queries.explore_page(**filters, page=number, per_page=per_page)
        return jsonify(page_json(page, [note_json(n) for n in page.items])).get_data()

    key = ("api-explore", tuple(sorted(filters.items())), number, per_page)
    body = pagecache.cached(key, build, ttl=pagecache.PAGE_TTL)
    return current_app.response_class(body, mimetype="application/json")


# --- OpenAPI ---------------------------------------------------------------------------------

SCHEMAS["Note"] = {
    "type": "object",
    "required": ["id", "contract_id", "status", "title", "body", "hashtags", "images"],
    "properties": {
        "id": {"type": "integer"},
        "contract_id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "kol_id": {"type": "integer"},
        "brand_id": {"type": "integer"},
        "category": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in NoteStatus]},
        "revision": {"type": "integer", "description": "Submissions so far"},
        "title": {"type": "string"},
        "body": {"type": "string", "description": "Markdown as written (sanitised when shown)"},
        "hashtags": {"type": "array", "items": {"type": "string"}},
        "images": {"type": "array", "items": {"type": "string"}, "description": "Image URLs"},
        "video_url": {"type": "string", "nullable": True},
        "external_url": {"type": "string", "nullable": True, "description": "Unverified"},
        "url": {"type": "string", "nullable": True, "description": "Public page when published"},
        "product_link": {"type": "string", "nullable": True, "description": "Tracked link"},
        "published_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
SCHEMAS["NoteDraft"] = {
    "type": "object",
    "description": "Omitted fields keep their current value. Images and video files are "
    "uploaded in the web editor only (they are checked and re-encoded there).",
    "properties": {
        "title": {"type": "string", "maxLength": 140},
        "body": {"type": "string", "maxLength": 20000},
        "hashtags": {
            "oneOf": [
                {"type": "string", "description": "Space-separated"},
                {"type": "array", "items": {"type": "string"}},
            ]
        },
        "video_url": {"type": "string", "nullable": True, "description": "http(s) link"},
    },
}
SCHEMAS["ChangeRequest"] = {
    "type": "object",
    "required": ["comment", "brief_item"],
    "properties": {
        "comment": {"type": "string", "maxLength": 4000},
        "brief_item": {
            "type": "string",
            "description": "A required hashtag or mention of the campaign, or brief, images "
            "(video for video notes), disclosure, other",
        },
    },
}
SCHEMAS["NotePage"] = {
    "type": "object",
    "required": ["items", "page", "per_page", "total", "pages"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "pages": {"type": "integer"},
    },
}
NOTE_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}
ID = {"in": "path", "required": True, "schema": {"type": "integer"}}


def _note_operation(summary: str, operation_id: str, role: str, **extra) -> dict:
    operation = {
        "summary": summary,
        "operationId": operation_id,
        "tags": ["notes"],
        "description": f"Caller role: {role}.",
        "parameters": [{"name": "id", **ID}],
        "responses": {
            "200": {"description": "The note", "content": NOTE_REF},
            "404": error_response("No such note (or not yours)"),
            "409": error_response("Illegal transition for the note's or contract's status"),
            "422": error_response("Invalid input (fields named)"),
        },
    }
    if extra.pop("created", False):
        operation["responses"]["201"] = {
            "description": "The draft was created",
            "content": NOTE_REF,
        }
    operation.update(extra)
    return operation


document(
    "/contracts/{id}/note",
    "put",
    _note_operation(
        "Create or update the contract's note draft (text fields only)",
        "putNoteDraft",
        "the contract's KOL",
        created=True,
        description="Caller role: the contract's KOL. Images and video files are uploaded in "
        "the web editor only. The contract must be funded (or have changes requested).",
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoteDraft"}}},
        },
    ),
)
document(
    "/notes/{id}/submit",
    "post",
    _note_operation(
        "Submit the note for review",
        "submitNote",
        "the note's KOL",
        description="Caller role: the note's KOL. Checks the required hashtags and mentions, a "
        "disclosure (#ad, 广告 or sponsored) and the images (1–9) or video; 422 names what is "
        "missing. Keeps a revision snapshot and starts the brand's review window.",
    ),
)
document(
    "/notes/{id}/approve",
    "post",
    _note_operation(
        "Approve the note (it is published at once)", "approveNote", "the campaign's brand"
    ),
)
document(
    "/notes/{id}/request-changes",
    "post",
    _note_operation(
        "Request changes, tied to a brief item",
        "requestNoteChanges",
        "the campaign's brand",
        description="Caller role: the campaign's brand. 409 `extra_round_needed` when every "
        "agreed revision round is used: ask the KOL for an extra round on the web review page.",
        requestBody={
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ChangeRequest"}}
            },
        },
    ),
)
document(
    "/notes/{id}/publish",
    "post",
    _note_operation("Publish a taken-down note again", "republishNote", "the note's KOL"),
)
document(
    "/notes/{id}",
    "get",
    _note_operation(
        "Get a note",
        "getNote",
        "any; drafts only for their KOL",
        description="The KOL sees the working copy; the brand sees the last submitted revision; "
        "anyone else sees published notes only.",
    ),
)
document(
    "/explore",
    "get",
    {
        "summary": "Published notes (the public feed)",
        "operationId": "exploreNotes",
        "tags": ["notes"],
        "security": [],
        "parameters": [
            {
                "name": "tab",
                "in": "query",
                "schema": {"type": "string", "enum": ["latest", "trending"]},
            },
            {"name": "q", "in": "query", "schema": {"type": "string"}},
            {"name": "category", "in": "query", "schema": {"type": "string"}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {
                "name": "per_page",
                "in": "query",
                "schema": {"type": "integer", "maximum": MAX_PER_PAGE},
            },
        ],
        "responses": {
            "200": {
                "description": "A page of published notes",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NotePage"}}
                },
            }
        },
    },
)
