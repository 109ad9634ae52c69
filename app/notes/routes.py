"""Web pages of the notes feature: the KOL's editor and actions (review and public pages are in
review_routes.py and public_routes.py, on the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.campaigns.models import Campaign
from app.contracts.deliverables import MAX_DELIVERABLES, deliverables_of
from app.contracts.models import (
    Contract,
    ContractStatus,
    Deliverable,
    DeliverableKind,
    DeliverableStatus,
)
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.forms import form_status, show_errors
from app.notes import publishing, queries, services
from app.notes.forms import ExternalUrlForm, NoteForm
from app.notes.models import Note
from app.status import history
from app.text import render_markdown

bp = Blueprint("notes", __name__)
NOTE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "published": _l("Published"),
    "taken_down": _l("Taken down"),
}


@bp.record_once
def _template_helpers(state) -> None:
    state.app.jinja_env.globals["NOTE_STATUS_LABELS"] = NOTE_STATUS_LABELS


FORM_OVERHEAD = 2 * 1024 * 1024  # the text fields and images sent beside a video


@bp.url_value_preprocessor
def _allow_video_uploads(endpoint: str | None, values: dict | None) -> None:
    """Only the editor accepts a body as large as a video, and only from the KOL who owns the
    contract. This runs before the CSRF check reads the form, so the limit is in place when
    the body is parsed; anyone else (signed out, another role, another KOL) keeps
    MAX_CONTENT_LENGTH, and a larger body is refused (413) before it is read. A cross-site
    form cannot borrow the owner's session to send one: the cookie is SameSite=Lax."""
    if (
        endpoint == "notes.edit"
        and request.method == "POST"
        and _signed_in_owner((values or {}).get("contract_id"))
    ):
        request.max_content_length = current_app.config["MAX_VIDEO_BYTES"] + FORM_OVERHEAD


def _signed_in_owner(contract_id: int | None) -> bool:
    """Whether the signed-in user is the KOL of this contract (the session's account and one
    column of one row; never the request body)."""
    user = current_user
    if contract_id is None or not user.is_authenticated or user.role != Role.KOL:
        return False
    kol_id = db.session.scalar(db.select(Contract.kol_id).where(Contract.id == contract_id))
    return kol_id == user.id


def _int_list(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdecimal()]


def _positions(form) -> dict[int, int]:
    """position_<image id> → the order the KOL typed (non-numbers ignored)."""
    positions = {}
    for key, value in form.items():
        if key.startswith("position_") and key[9:].isdecimal() and value.strip().isdecimal():
            positions[int(key[9:])] = int(value)
    return positions


def _part() -> int:
    """The deliverable the editor is for (``?part=2``): its position, 1 when not given."""
    part = request.args.get("part", "1")
    return int(part) if part.isdecimal() and 0 < int(part) <= MAX_DELIVERABLES else 1


def _note_of(contract_id: int, position: int = 1) -> Note | None:
    return db.session.scalar(
        db.select(Note)
        .join(Deliverable, Deliverable.id == Note.deliverable_id)
        .where(Deliverable.contract_id == contract_id, Deliverable.position == position)
    )


def _editor_url(contract_id: int, position: int) -> str:
    if position == 1:
        return url_for("notes.edit", contract_id=contract_id)
    return url_for("notes.edit", contract_id=contract_id, part=position)


def render_editor(contract, form: NoteForm, status: int = 200, position: int = 1):
    parts = deliverables_of(contract.id)
    deliverable = next((d for d in parts if d.position == position), None)
    if deliverable is None:
        raise NotFound(_("No such deliverable."))
    note = _note_of(contract.id, position)
    campaign = db.session.get(Campaign, contract.campaign_id)
    writable = services.WRITABLE_CONTRACT | (
        {ContractStatus.IN_REVIEW} if len(parts) > 1 else set()
    )
    context = dict(
        contract=contract,
        campaign=campaign,
        note=note,
        deliverable=deliverable,
        parts=parts,
        is_video=deliverable.kind == DeliverableKind.VIDEO,
        editor_url=_editor_url(contract.id, position),
        form=form,
        brief_html=render_markdown(campaign.brief),
        note_html=render_markdown(note.body) if note else "",
        rounds_left=services.rounds_left(contract, note),
        comments=queries.review_comments(note.id) if note else [],
        revisions=queries.revisions(note.id) if note else [],
        timeline=history("note", note.id) if note else [],
        external_form=ExternalUrlForm(obj=note),
        in_keep_live=publishing.in_keep_live(note) if note else False,
        editable=contract.status in writable
        and deliverable.status != DeliverableStatus.APPROVED
        and (note is None or note.status in services.WRITABLE_NOTE),
    )
    return render_template("notes/edit.html", **context), status


@bp.route("/contracts/<int:contract_id>/note", methods=["GET", "POST"])
@access(Role.KOL)
def edit(contract_id: int):
    contract = services.kol_contract(contract_id=contract_id, kol_id=current_user.id)
    position = _part()
    note = _note_of(contract_id, position)
    form = NoteForm(obj=note) if request.method == "GET" else NoteForm()
    if form.validate_on_submit():
        video = request.files.get("video_file")
        try:
            services.save_draft(
                contract_id=contract_id,
                kol_id=current_user.id,
                title=form.title.data or "",
                body=form.body.data or "",
                hashtags=form.hashtags.data or "",
                video_url=form.video_url.data,
                new_images=request.files.getlist("images"),
                remove_image_ids=_int_list(request.form.getlist("remove_image")),
                image_positions=_positions(request.form),
                video_file=video if video and video.filename else None,
                remove_video_file=form.remove_video.data,
                position=position,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            if request.form.get("and_submit"):
                return _submit_saved(contract, form, position)
            flash(_("Draft saved."), "success")
            return redirect(_editor_url(contract_id, position))
    return render_editor(contract, form, form_status(form), position)


def _submit_saved(contract: Contract, form: NoteForm, position: int):
    """ "Save and submit": what the KOL typed is saved first (committed above), so a refused
    submission keeps it and the errors describe the text in the boxes, not an older draft."""
    note = _note_of(contract.id, position)
    try:
        services.submit_note(note_id=note.id, kol_id=current_user.id)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        flash(error.message, "error")
        return render_editor(contract, form, 422, position)
    flash(_("Submitted for review. The brand has been told."), "success")
    return redirect(_editor_url(contract.id, position))


@bp.post("/notes/<int:note_id>/submit")
@access(Role.KOL)
def submit(note_id: int):
    try:
        note = services.submit_note(note_id=note_id, kol_id=current_user.id)
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        note = services.kol_note(note_id=note_id, kol_id=current_user.id)
        form = NoteForm(obj=note)
        show_errors(form, error)
        flash(error.message, "error")
        contract = services.kol_contract(contract_id=note.contract_id, kol_id=current_user.id)
        return render_editor(contract, form, 422, _position(note))
    flash(_("Submitted for review. The brand has been told."), "success")
    return redirect(_editor_url(note.contract_id, _position(note)))


def _position(note: Note) -> int:
    return db.session.get(Deliverable, note.deliverable_id).position


def _back_to_editor(note: Note, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(_editor_url(note.contract_id, _position(note)))


@bp.post("/notes/<int:note_id>/extra-round")
@access(Role.KOL)
def answer_extra_round(note_id: int):
    consent = request.form.get("answer") == "yes"
    note = services.answer_extra_round(note_id=note_id, kol_id=current_user.id, consent=consent)
    if consent:
        return _back_to_editor(note, _("You agreed to an extra round: edit and resubmit."))
    return _back_to_editor(note, _("You declined. An admin will resolve the contract."))


@bp.post("/notes/<int:note_id>/request-takedown")
@access(Role.KOL)
def request_takedown(note_id: int):
    note = publishing.request_takedown(note_id=note_id, kol_id=current_user.id)
    return _back_to_editor(note, _("The brand has been asked to agree to the takedown."))


@bp.post("/notes/<int:note_id>/take-down")
@access(Role.KOL)
def take_down(note_id: int):
    note = publishing.take_down_note(
        note_id=note_id,
        kol_id=current_user.id,
        accept_breach=request.form.get("accept_breach") == "yes",
    )
    return _back_to_editor(note, _("The note was taken down."))


@bp.post("/notes/<int:note_id>/republish")
@access(Role.KOL)
def republish(note_id: int):
    note = publishing.republish_note(note_id=note_id, kol_id=current_user.id)
    return _back_to_editor(note, _("The note is published again."))


@bp.post("/notes/<int:note_id>/external")
@access(Role.KOL)
def external(note_id: int):
    form = ExternalUrlForm()
    note = services.kol_note(note_id=note_id, kol_id=current_user.id)
    if form.validate_on_submit():
        try:
            publishing.record_external_url(
                note_id=note_id, kol_id=current_user.id, url=form.external_url.data
            )
            return _back_to_editor(note, _("Cross-post link saved."))
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.fields["external_url"][0], "error")
    contract = services.kol_contract(contract_id=note.contract_id, kol_id=current_user.id)
    return render_editor(contract, NoteForm(obj=note), 422, _position(note))


@bp.get("/my/notes")
@access(Role.KOL)
def mine():
    page = queries.kol_notes_page(kol_id=current_user.id, page=request.args.get("page", 1, int))
    awaiting = queries.contracts_awaiting_note(current_user.id)
    return render_template(
        "notes/mine.html",
        page=page,
        awaiting=awaiting,
        campaigns=campaign_titles({x.campaign_id for x in [*page.items, *awaiting]}),
    )


def campaign_titles(ids: set[int]) -> dict[int, str]:
    """Campaign titles by id, in one query."""
    if not ids:
        return {}
    rows = db.session.execute(db.select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids)))
    return dict(rows.all())
