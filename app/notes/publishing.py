"""After approval: takedown (with the brand's consent during keep-live), republish, cross-posts."""

from __future__ import annotations

from flask_babel import gettext as _

from app.contracts import lifecycle
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.notes.notify import notify_user
from app.notes.services import brand_note, kol_note
from app.status import move
from app.text import clean_url


def in_keep_live(note: Note) -> bool:
    """True while the contract asks the note to stay published."""
    contract = db.session.get(Contract, note.contract_id)
    return bool(contract.keep_live_until and contract.keep_live_until > utcnow())


def _published(note: Note) -> None:
    if note.status != NoteStatus.PUBLISHED:
        move(note, NoteStatus.TAKEN_DOWN, by=None)  # raises the illegal-transition error


def _take_down(note: Note, *, by: int, reason: str) -> None:
    move(note, NoteStatus.TAKEN_DOWN, by=by, reason=reason)
    note.taken_down_at = utcnow()
    note.takedown_requested_at = None
    db.session.flush()


def request_takedown(*, note_id: int, kol_id: int) -> Note:
    """During keep-live the KOL asks the brand before taking the note down."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    _published(note)
    if not in_keep_live(note):
        raise Conflict(_("The keep-live period is over: you can take the note down yourself."))
    note.takedown_requested_at = utcnow()
    notify_user(note.brand_id, "takedown_requested", note.title, "notes.review", note_id=note.id)
    db.session.flush()
    return note


def answer_takedown(*, note_id: int, brand_id: int, consent: bool) -> Note:
    """The brand agrees (the note comes down, no breach) or keeps it live."""
    note = brand_note(note_id=note_id, brand_id=brand_id)
    if note.takedown_requested_at is None or note.status != NoteStatus.PUBLISHED:
        raise Conflict(_("No takedown request is waiting for your answer."))
    if consent:
        _take_down(note, by=brand_id, reason="taken down with the brand's consent")
        kind = "takedown_agreed"
    else:
        note.takedown_requested_at = None
        kind = "takedown_refused"
    notify_user(note.kol_id, kind, note.title, "notes.edit", contract_id=note.contract_id)
    db.session.flush()
    return note


def take_down_note(*, note_id: int, kol_id: int, accept_breach: bool = False) -> Note:
    """Unpublish; during keep-live without consent only when the KOL accepts a recorded breach."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    _published(note)
    if not in_keep_live(note):
        _take_down(note, by=kol_id, reason="taken down by the KOL")
        return note
    if not accept_breach:
        raise Conflict(
            _("The note must stay live until the keep-live period ends: ask the brand first."),
            code="consent_needed",
        )
    lifecycle.record_keep_live_breach(contract_id=note.contract_id, by=kol_id)
    _take_down(note, by=kol_id, reason=lifecycle.KEEP_LIVE_BREACH)
    notify_user(note.brand_id, "keep_live_breach", note.title, "notes.review", note_id=note.id)
    return note


def republish_note(*, note_id: int, kol_id: int) -> Note:
    """Put a taken-down note back on its public page."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    move(note, NoteStatus.PUBLISHED, by=kol_id, reason="republished by the KOL")
    note.taken_down_at = None
    db.session.flush()
    return note


def record_external_url(*, note_id: int, kol_id: int, url: str | None) -> Note:
    """Where the KOL cross-posted the note (shown as unverified); empty clears it."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    if note.status not in {NoteStatus.PUBLISHED, NoteStatus.TAKEN_DOWN}:
        raise Conflict(_("Record a cross-post once the note is published."))
    try:
        note.external_url = clean_url(url)
    except ValueError:
        raise ValidationFailed(
            {"external_url": [_("Enter a link starting with http:// or https://.")]}
        ) from None
    db.session.flush()
    return note
