"""/api/v1 endpoints for notes (same services and rules as the web pages)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, url_for
from flask_babel import gettext as _

from app import media, media_store, pagecache
from app.api.auth import api_access, api_user
from app.api.note_schemas import (
    ChangeRequest,
    FeedQuery,
    NoteDraft,
    NotePage,
    NoteSchema,
    RelatedNotes,
    RelatedQuery,
)
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.authz import PUBLIC, SIGNED_IN
from app.contracts.models import Deliverable
from app.errors import NotFound
from app.extensions import db
from app.notes import publishing, queries, services
from app.notes.models import Note, NoteStatus
from app.notes.queries import explore_filters
from app.pagination import encode_cursor, page_json
from app.recommend.queries import related_notes


def _media(name: str) -> str:
    return media_store.public_url(name)


def _images_json(names: list[str], known: dict[str, Any]) -> list[dict[str, Any]]:
    """Each image with its sizes; pixels from the note's images (``known`` by file)."""
    out = []
    for name in names:
        image = known.get(name)
        width, height = (image.width, image.height) if image else (None, None)
        out.append(media.image_json(name, width, height))
    return out


def note_json(note: Note, *, as_brand: bool = False) -> dict[str, Any]:
    """A note as JSON; the brand sees the last submitted revision, never work in progress."""
    content: Any = note
    names = [i.file for i in note.images]
    video = note.video_url or (_media(note.video_file) if note.video_file else None)
    if as_brand:
        revisions = queries.revisions(note.id)
        content = revisions[-1]
        names = list(content.images)
        video = content.video_url
    images = [_media(name) for name in names]
    published = note.status == NoteStatus.PUBLISHED
    return {
        "id": note.id,
        "contract_id": note.contract_id,
        "deliverable_id": note.deliverable_id,
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
        "image_sizes": _images_json(names, {i.file: i for i in note.images}),
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


_NOT_FOUND = {"schema": ErrorSchema, "description": "No such note (or not yours)"}
_ILLEGAL = {
    "schema": ErrorSchema,
    "description": "Illegal transition for the note's or contract's status",
}


def _note_route(rule: str, operation_id: str, summary: str, role: Role, description: str = ""):
    """The declarations every note action shares: who, its name, its answers."""

    def decorate(view):
        view = bp.alt_response(409, **_ILLEGAL)(view)
        view = bp.alt_response(404, **_NOT_FOUND)(view)
        view = bp.response(200, NoteSchema, description="The note")(view)
        view = bp.doc(
            operationId=operation_id, summary=summary, description=description or summary
        )(view)
        return bp.post(rule)(api_access(role)(view))

    return decorate


@bp.put("/contracts/<int:contract_id>/note")
@api_access(Role.KOL)
@bp.doc(
    operationId="putNoteDraft",
    summary="Create or update the note draft of one of the contract's deliverables",
    description="Caller role: the contract's KOL. `position` picks the deliverable (1, the "
    "first, when omitted). Text fields only: images and video files are uploaded in the web "
    "editor. The contract must be funded (or have changes requested, or, with several "
    "deliverables, another one in review).",
)
@bp.arguments(NoteDraft)
@bp.response(200, NoteSchema, description="The draft was updated")
@bp.alt_response(201, schema=NoteSchema, description="The draft was created")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def put_note(draft: dict, contract_id: int):
    existing = db.session.scalar(
        db.select(Note)
        .join(Deliverable, Deliverable.id == Note.deliverable_id)
        .where(Deliverable.contract_id == contract_id, Deliverable.position == draft["position"])
    )
    current = existing if existing and existing.kol_id == api_user().id else None
    kept = {
        "title": current.title if current else "",
        "body": current.body if current else "",
        "hashtags": current.hashtags if current else "",
        "video_url": current.video_url if current else None,
    }
    note = services.save_draft(contract_id=contract_id, kol_id=api_user().id, **(kept | draft))
    db.session.commit()
    return note_json(note), 200 if current else 201


@_note_route(
    "/notes/<int:note_id>/submit",
    "submitNote",
    "Submit the note for review",
    Role.KOL,
    "Caller role: the note's KOL. Checks the required hashtags and mentions, a disclosure "
    "(#ad, 广告 or sponsored) and the images (1–9) or video; 422 names what is missing. Keeps a "
    "revision snapshot and starts the brand's review window.",
)
def submit_note(note_id: int):
    note = services.submit_note(note_id=note_id, kol_id=api_user().id)
    db.session.commit()
    return note_json(note)


@_note_route(
    "/notes/<int:note_id>/approve",
    "approveNote",
    "Approve the note (it is published at once)",
    Role.BRAND,
)
def approve_note(note_id: int):
    note = services.approve_note(note_id=note_id, brand_id=api_user().id)
    db.session.commit()
    return note_json(note, as_brand=True)


@bp.post("/notes/<int:note_id>/request-changes")
@api_access(Role.BRAND)
@bp.doc(
    operationId="requestNoteChanges",
    summary="Request changes, tied to a brief item",
    description="Caller role: the campaign's brand. 409 `extra_round_needed` when every agreed "
    "revision round is used: ask the KOL for an extra round on the web review page.",
)
@bp.arguments(ChangeRequest)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def request_changes(change: dict, note_id: int):
    note = services.request_changes(note_id=note_id, brand_id=api_user().id, **change)
    db.session.commit()
    return note_json(note, as_brand=True)


@_note_route(
    "/notes/<int:note_id>/publish",
    "republishNote",
    "Publish a taken-down note again",
    Role.KOL,
)
def republish_note(note_id: int):
    note = publishing.republish_note(note_id=note_id, kol_id=api_user().id)
    db.session.commit()
    return note_json(note)


@bp.get("/notes/<int:note_id>")
@api_access(SIGNED_IN)
@bp.doc(
    operationId="getNote",
    summary="Get a note",
    description="The KOL sees the working copy; the brand sees the last submitted revision; "
    "anyone else sees published notes only.",
)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
def get_note(note_id: int):
    note, as_brand = _readable_note(note_id)
    return note_json(note, as_brand=as_brand)


@bp.get("/explore")
@api_access(PUBLIC)
@bp.doc(operationId="exploreNotes", summary="Published notes (the public feed)")
@bp.arguments(FeedQuery, location="query")
@bp.response(200, NotePage, description="A page of published notes")
def explore(args: dict):
    """The same body for every caller: kept per process like the public /explore page
    (app/pagecache.py: a change to notes, campaigns or profiles shows on the next request;
    engagement counts behind the trending order may be PAGE_TTL seconds old)."""
    filters = explore_filters(args)
    number, per_page, cursor = args["page"], args["per_page"], args.get("cursor") or None

    def build() -> bytes:
        page = queries.explore_page(**filters, page=number, per_page=per_page, cursor=cursor)
        pagecache.depends_on("notes", *pagecache.note_scopes(page.items))
        body = page_json(page, [note_json(n) for n in page.items])
        if filters["tab"] == "latest" and not filters["q"] and "next_cursor" not in body:
            last = page.items[-1] if page.has_next else None  # numbered page: switch to cursor
            body["next_cursor"] = encode_cursor((last.published_at, last.id)) if last else None
        return jsonify(NotePage().dump(body)).get_data()

    key = ("api-explore", tuple(sorted(filters.items())), number, per_page, cursor)
    body = pagecache.cached(key, build, ttl=pagecache.PAGE_TTL)
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/notes/<int:note_id>/related")
@api_access(PUBLIC)
@bp.doc(
    operationId="listRelatedNotes",
    summary="Notes related to a published note",
    description="Notes the people who engaged with this one also engaged with (recomputed "
    "every hour, flagged engagement left out), then notes of its category or hashtags; "
    "best first (the first 6 are the list on the note's public page).",
)
@bp.arguments(RelatedQuery, location="query")
@bp.response(200, RelatedNotes, description="Related published notes, best first")
@bp.alt_response(404, **_NOT_FOUND)
def list_related_notes(args: dict, note_id: int):
    note = queries.published_note(note_id)
    if note is None:
        raise NotFound(_("No such note."))
    return {"items": [note_json(n) for n in related_notes(note, args["limit"])]}
