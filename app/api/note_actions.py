"""/api/v1 note actions beyond drafting and review: where the KOL cross-posted a published
note, and take-downs (the KOL's, a request to the brand during keep-live, the brand's answer).
Extra revision rounds (the brand asks, the KOL answers). The same services as the note editor's
and review page's buttons."""

from __future__ import annotations

from flask_babel import gettext as _

from app.api.auth import api_access, api_user
from app.api.note_schemas import ChangeRequest, NoteSchema
from app.api.notes import _ILLEGAL, _NOT_FOUND, note_json
from app.api.routes import bp
from app.api.schemas import StrictBoolean, StrictSchema, text
from app.auth.models import Role
from app.errors import ValidationFailed
from app.extensions import db
from app.notes import publishing, services


class ExternalUrl(StrictSchema):
    external_url = text(
        300,
        load_default=None,
        allow_none=True,
        metadata={"description": "http(s) link to the cross-post; null or empty clears it"},
    )


@bp.put("/notes/<int:note_id>/external-url")
@api_access(Role.KOL)
@bp.doc(
    operationId="setNoteExternalUrl",
    summary="Record where a published note was cross-posted (shown as unverified)",
)
@bp.arguments(ExternalUrl)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def set_note_external_url(payload: dict, note_id: int):
    note = publishing.record_external_url(note_id=note_id, kol_id=api_user().id,
                                          url=payload["external_url"])  # fmt: skip
    db.session.commit()
    return note_json(note)


class TakeDown(StrictSchema):
    accept_breach = StrictBoolean(
        load_default=False,
        metadata={"description": "During keep-live without the brand's consent: take it down "
                  "anyway, recording a breach of the contract"},
    )  # fmt: skip


class TakedownAnswer(StrictSchema):
    consent = StrictBoolean(
        load_default=None,
        metadata={"description": "Needed. true: the note comes down (no breach); false: it "
                  "stays live"},
    )  # fmt: skip


@bp.post("/notes/<int:note_id>/take-down")
@api_access(Role.KOL)
@bp.doc(
    operationId="takeDownNote",
    summary="Take a published note down (during keep-live: ask the brand, or accept a breach)",
    description="409 `consent_needed` during keep-live without `accept_breach`.",
)
@bp.arguments(TakeDown)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def take_down_note(payload: dict, note_id: int):
    note = publishing.take_down_note(note_id=note_id, kol_id=api_user().id, **payload)
    db.session.commit()
    return note_json(note)


@bp.post("/notes/<int:note_id>/takedown-request")
@api_access(Role.KOL)
@bp.doc(
    operationId="requestNoteTakedown",
    summary="During keep-live, ask the brand to let the note come down",
)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def request_note_takedown(note_id: int):
    note = publishing.request_takedown(note_id=note_id, kol_id=api_user().id)
    db.session.commit()
    return note_json(note)


@bp.post("/notes/<int:note_id>/takedown-answer")
@api_access(Role.BRAND)
@bp.doc(
    operationId="answerNoteTakedown",
    summary="Answer the KOL's takedown request: agree (it comes down) or keep it live",
)
@bp.arguments(TakedownAnswer)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def answer_note_takedown(payload: dict, note_id: int):
    brand_id = api_user().id
    services.brand_note(note_id=note_id, brand_id=brand_id)  # others: 404, whatever they send
    if payload["consent"] is None:
        raise ValidationFailed({"consent": [_("Choose whether the note may come down.")]})
    note = publishing.answer_takedown(
        note_id=note_id, brand_id=brand_id, consent=payload["consent"]
    )
    db.session.commit()
    return note_json(note, as_brand=True)


class ExtraRoundAnswer(StrictSchema):
    consent = StrictBoolean(
        load_default=None,
        metadata={"description": "Needed. true: the changes are requested in an extra round; "
                  "false: declined, the contract goes to an admin (disputed)"},
    )  # fmt: skip


@bp.post("/notes/<int:note_id>/extra-round-request")
@api_access(Role.BRAND)
@bp.doc(
    operationId="askExtraRound",
    summary="With every agreed revision round used, ask the KOL to agree to one more",
    description="The body is that of requestNoteChanges: the changes wanted, tied to a brief "
    "item. 409 while rounds are left (request the changes directly).",
)
@bp.arguments(ChangeRequest)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def ask_extra_round(change: dict, note_id: int):
    note = services.ask_extra_round(note_id=note_id, brand_id=api_user().id, **change)
    db.session.commit()
    return note_json(note, as_brand=True)


@bp.post("/notes/<int:note_id>/extra-round-answer")
@api_access(Role.KOL)
@bp.doc(operationId="answerExtraRound", summary="Agree to an extra revision round, or decline")
@bp.arguments(ExtraRoundAnswer)
@bp.response(200, NoteSchema, description="The note")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_ILLEGAL)
def answer_extra_round(payload: dict, note_id: int):
    kol_id = api_user().id
    services.kol_note(note_id=note_id, kol_id=kol_id)  # others: 404, whatever they send
    if payload["consent"] is None:
        raise ValidationFailed({"consent": [_("Choose whether you agree to an extra round.")]})
    note = services.answer_extra_round(note_id=note_id, kol_id=kol_id, consent=payload["consent"])
    db.session.commit()
    return note_json(note)
