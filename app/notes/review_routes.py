"""The brand's side of notes: the list, the review page and its actions, revision diffs."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import access
from app.campaigns.models import Campaign
from app.contracts.deliverables import deliverables_of
from app.contracts.models import Contract, DeliverableStatus
from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.forms import form_status, options, show_errors
from app.notes import publishing, queries, services
from app.notes.diff import revision_diff
from app.notes.forms import ReviewForm
from app.notes.models import Note, NoteStatus
from app.notes.routes import bp, campaign_titles
from app.payments import release
from app.status import history
from app.stored_text import brief_item_label
from app.text import render_markdown


def _review_form(campaign: Campaign) -> ReviewForm:
    form = ReviewForm()
    items = [
        ("", _("Choose…")),
        *((item, brief_item_label(item)) for item in services.brief_items(campaign)),
    ]
    form.brief_item.choices = options(items)  # no preselected item: the brand picks one
    return form


def render_review(note: Note, form: ReviewForm):
    campaign = db.session.get(Campaign, note.campaign_id)
    contract = db.session.get(Contract, note.contract_id)
    revisions = queries.revisions(note.id)
    latest = revisions[-1] if revisions else None
    kols, _brands = queries.author_names([note])
    parts = deliverables_of(contract.id)
    context = dict(
        note=note,
        part=next((d for d in parts if d.id == note.deliverable_id), None),
        part_count=len(parts),
        campaign=campaign,
        contract=contract,
        latest=latest,
        latest_html=render_markdown(latest.body) if latest else "",
        revisions=revisions,
        comments=queries.review_comments(note.id),
        form=form,
        rounds_left=services.rounds_left(contract, note),
        kol_name=kols.get(note.kol_id, ""),
        timeline=history("note", note.id),
        in_keep_live=publishing.in_keep_live(note),
    )
    return render_template("notes/review.html", **context), form_status(form)


@bp.get("/notes")
@access(Role.BRAND)
def brand_list():
    status = request.args.get("status", "")
    page = queries.brand_notes_page(
        brand_id=current_user.id, status=status, page=request.args.get("page", 1, int)
    )
    kols, _brands = queries.author_names(page.items)
    return render_template(
        "notes/brand_list.html",
        page=page,
        status=status,
        statuses=[s for s in NoteStatus if s != NoteStatus.DRAFT],
        kols=kols,
        campaigns=campaign_titles({n.campaign_id for n in page.items}),
    )


@bp.get("/notes/<int:note_id>/review")
@access(Role.BRAND)
def review(note_id: int):
    note = services.brand_note(note_id=note_id, brand_id=current_user.id)
    return render_review(note, _review_form(db.session.get(Campaign, note.campaign_id)))


@bp.post("/notes/<int:note_id>/approve")
@access(Role.BRAND)
def approve(note_id: int):
    """Two steps, like the bid's fee preview: the first POST shows what approving releases;
    only the confirmation (``confirm=release``) approves. A note not in review goes straight
    to the service, which refuses it."""
    note = services.brand_note(note_id=note_id, brand_id=current_user.id)
    if note.status == NoteStatus.SUBMITTED and request.form.get("confirm") != "release":
        return _confirm_approval(note)
    services.approve_note(note_id=note_id, brand_id=current_user.id)
    db.session.commit()
    flash(_("Approved. The note is now published."), "success")
    return redirect(url_for("notes.review", note_id=note_id))


def _confirm_approval(note: Note):
    contract = db.session.get(Contract, note.contract_id)
    parts = deliverables_of(contract.id)
    part = next(d for d in parts if d.id == note.deliverable_id)
    now_part, _brand_part, kol_part = release.stage_amounts(contract, "approval", part.position)
    others_open = [d for d in parts if d.id != part.id and d.status != DeliverableStatus.APPROVED]
    kols, _brands = queries.author_names([note])
    return render_template(
        "notes/approve.html",
        note=note,
        contract=contract,
        part=part if len(parts) > 1 else None,
        others_open=len(others_open),
        kol_name=kols.get(note.kol_id, ""),
        released_now=now_part,
        kol_gets_now=now_part - kol_part,
        held_back=part.share - now_part,
        paid=contract.price + contract.brand_fee,
        keep_live_until=utcnow() + timedelta(days=contract.keep_live_days),
        form=ConfirmForm(),
    )


def _comment_action(note_id: int, service, done: str):
    note = services.brand_note(note_id=note_id, brand_id=current_user.id)
    form = _review_form(db.session.get(Campaign, note.campaign_id))
    if form.validate_on_submit():
        try:
            service(
                note_id=note_id,
                brand_id=current_user.id,
                comment=form.comment.data,
                brief_item=form.brief_item.data,
            )
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("notes.review", note_id=note_id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_review(services.brand_note(note_id=note_id, brand_id=current_user.id), form)


@bp.post("/notes/<int:note_id>/changes")
@access(Role.BRAND)
def request_changes(note_id: int):
    return _comment_action(
        note_id, services.request_changes, _("Changes requested. The KOL has been told.")
    )


@bp.post("/notes/<int:note_id>/ask-extra-round")
@access(Role.BRAND)
def ask_extra_round(note_id: int):
    return _comment_action(
        note_id, services.ask_extra_round, _("The KOL has been asked to agree to an extra round.")
    )


@bp.post("/notes/<int:note_id>/takedown-answer")
@access(Role.BRAND)
def answer_takedown(note_id: int):
    consent = request.form.get("answer") == "yes"
    publishing.answer_takedown(note_id=note_id, brand_id=current_user.id, consent=consent)
    db.session.commit()
    flash(_("The note was taken down.") if consent else _("The note stays live."), "success")
    return redirect(url_for("notes.review", note_id=note_id))


@bp.get("/notes/<int:note_id>/diff")
@access(Role.BRAND, Role.KOL)
def diff(note_id: int):
    if current_user.role == Role.KOL:
        note = services.kol_note(note_id=note_id, kol_id=current_user.id)
    else:
        note = services.brand_note(note_id=note_id, brand_id=current_user.id)
    revisions = queries.revisions(note.id)
    if not revisions:
        raise NotFound(_("This note has no submitted revision yet."))
    last = revisions[-1].number
    a_num = request.args.get("a", max(last - 1, 1), int)
    b_num = request.args.get("b", last, int)
    a, b = queries.revision(note.id, a_num), queries.revision(note.id, b_num)
    if a is None or b is None:
        abort(404)
    return render_template(
        "notes/diff.html", note=note, a=a, b=b, revisions=revisions, sections=revision_diff(a, b)
    )
