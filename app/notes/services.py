"""Writing, submitting and reviewing sponsored notes; the auto-approval tick."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.campaigns.models import Campaign, ContentFormat
from app.contracts import lifecycle
from app.contracts.deliverables import deliverable_at, deliverables_for, deliverables_of
from app.contracts.models import Contract, ContractStatus, Deliverable, DeliverableKind
from app.db_types import utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.notes.checks import (
    MAX_IMAGES,
    parse_hashtags,
    problems_message,
    slugify,
    submission_problems,
)
from app.notes.media import save_video
from app.notes.models import Note, NoteImage, NoteRevision, NoteStatus, ReviewComment
from app.notes.notify import notify_user
from app.payments import approvals
from app.status import move, record_created
from app.text import clean_text, clean_url
from app.uploads import StoredImage, store_image
from app.webhooks import services as webhooks

WRITABLE_CONTRACT = {ContractStatus.FUNDED, ContractStatus.CHANGES_REQUESTED}
WRITABLE_NOTE = {NoteStatus.DRAFT, NoteStatus.CHANGES_REQUESTED}
FIXED_BRIEF_ITEMS = ("brief", "images", "disclosure", "other")


def kol_note(*, note_id: int, kol_id: int) -> Note:
    """The KOL's own note (any status); anyone else's answers 404."""
    note = db.session.get(Note, note_id)
    if note is None or note.kol_id != kol_id:
        raise NotFound(_("No such note."))
    return note


def brand_note(*, note_id: int, brand_id: int) -> Note:
    """A note for the brand's campaign once submitted; drafts stay invisible (404)."""
    note = db.session.get(Note, note_id)
    if note is None or note.brand_id != brand_id or note.status == NoteStatus.DRAFT:
        raise NotFound(_("No such note."))
    return note


def kol_contract(*, contract_id: int, kol_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.kol_id != kol_id:
        raise NotFound(_("No such contract."))
    return contract


def brief_items(campaign: Campaign) -> list[str]:
    """What a review comment may be tied to: required hashtags and mentions, then fixed items."""
    fixed = [
        "video" if i == "images" and campaign.content_format == ContentFormat.VIDEO else i
        for i in FIXED_BRIEF_ITEMS
    ]
    return [*campaign.hashtags, *campaign.mentions, *fixed]


def _new_tracking_code() -> str:
    for _attempt in range(5):
        code = secrets.token_urlsafe(8)[:10]
        if db.session.scalar(select(Note.id).where(Note.tracking_code == code)) is None:
            return code
    raise Conflict(_("Please try again."))


def _clean_draft_fields(title: str, body: str, hashtags: str, video_url: str | None) -> dict:
    errors: dict[str, list[str]] = {}
    values = {"title": clean_text(title, 140), "body": clean_text(body, 20_000)}
    try:
        values["hashtags"] = parse_hashtags(hashtags)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        values["video_url"] = clean_url(video_url)
    except ValueError:
        errors["video_url"] = [_("Enter a link starting with http:// or https://.")]
    if errors:
        raise ValidationFailed(errors)
    return values


def note_of(deliverable: Deliverable) -> Note | None:
    """The note that delivers ``deliverable`` (None before the KOL saves a draft)."""
    return db.session.scalar(select(Note).where(Note.deliverable_id == deliverable.id))


def _writable_note(contract: Contract, deliverable: Deliverable) -> Note | None:
    several = deliverable.position > 1 or len(deliverables_of(contract.id)) > 1
    # With several deliverables the KOL writes the next while another is in review.
    writable = WRITABLE_CONTRACT | ({ContractStatus.IN_REVIEW} if several else set())
    if contract.status not in writable:
        raise Conflict(_("The note can be written once the contract is funded."))
    note = note_of(deliverable)
    if note is not None and note.status not in WRITABLE_NOTE:
        raise Conflict(_("This note is %(status)s and cannot be edited now.", status=note.status))
    return note


def save_draft(
    *,
    contract_id: int,
    kol_id: int,
    title: str,
    body: str,
    hashtags: str,
    video_url: str | None = None,
    new_images: Sequence[FileStorage] = (),
    remove_image_ids: Iterable[int] = (),
    image_positions: dict[int, int] | None = None,
    video_file: FileStorage | None = None,
    remove_video_file: bool = False,
    position: int = 1,
) -> Note:
    """Create or update the note draft of the contract's deliverable at ``position``; images
    and video are checked before any write."""
    contract = kol_contract(contract_id=contract_id, kol_id=kol_id)
    deliverable = deliverable_at(contract_id=contract.id, position=position)
    note = _writable_note(contract, deliverable)
    values = _clean_draft_fields(title, body, hashtags, video_url)
    campaign = db.session.get(Campaign, contract.campaign_id)
    is_video = deliverable.kind == DeliverableKind.VIDEO
    kept = [i for i in (note.images if note else []) if i.id not in set(remove_image_ids)]
    uploads = [f for f in new_images if f and f.filename]
    if not is_video and len(kept) + len(uploads) > MAX_IMAGES:
        raise ValidationFailed({"images": [_("A note has at most %(n)d images.", n=MAX_IMAGES)]})
    saved = [] if is_video else [store_image(f, field="images") for f in uploads]
    stored_video = save_video(video_file, field="video_file") if is_video and video_file else None
    if note is None:
        note = _create_note(contract, campaign, deliverable)
    note.title, note.body, note.hashtags = values["title"], values["body"], values["hashtags"]
    note.slug = slugify(note.title)
    if is_video:
        note.video_url = values["video_url"]
        if stored_video or remove_video_file:
            note.video_file = stored_video
    else:
        _arrange_images(note, kept, saved, image_positions or {})
    db.session.flush()
    return note


def _create_note(contract: Contract, campaign: Campaign, deliverable: Deliverable) -> Note:
    note = Note(
        contract_id=contract.id,
        deliverable_id=deliverable.id,
        campaign_id=campaign.id,
        kol_id=contract.kol_id,
        brand_id=contract.brand_id,
        category=campaign.category,
        tracking_code=_new_tracking_code(),
        status=NoteStatus.DRAFT,
        revision=0,
    )
    db.session.add(note)
    record_created(note, by=contract.kol_id)
    return note


def _arrange_images(
    note: Note, kept: list, saved: list[StoredImage], positions: dict[int, int]
) -> None:
    kept = sorted(kept, key=lambda i: (positions.get(i.id, i.position), i.position))
    note.images[:] = kept + [
        NoteImage(file=s.name, width=s.width, height=s.height, position=0) for s in saved
    ]
    for position, image in enumerate(note.images, start=1):
        image.position = position


def submit_note(*, note_id: int, kol_id: int) -> Note:
    """Send the note to the brand: checks, a revision snapshot, the contract goes in review."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    campaign = db.session.get(Campaign, note.campaign_id)
    if note.status not in WRITABLE_NOTE:
        move(note, NoteStatus.SUBMITTED, by=kol_id)  # raises the illegal-transition error
    problems = submission_problems(
        campaign=campaign,
        title=note.title,
        body=note.body,
        hashtags=note.hashtags,
        image_count=len(note.images),
        has_video=bool(note.video_url or note.video_file),
        video=_deliverable(note).kind == DeliverableKind.VIDEO,
    )
    if problems:
        fields = {k: [_("Missing: %(item)s", item=v) for v in vs] for k, vs in problems.items()}
        raise ValidationFailed(fields, problems_message(problems))
    note.revision += 1
    db.session.add(_snapshot(note))
    move(note, NoteStatus.SUBMITTED, by=kol_id, reason=f"revision {note.revision}")
    lifecycle.mark_submitted(
        contract_id=note.contract_id, by=kol_id, deliverable_id=note.deliverable_id
    )
    notify_user(note.brand_id, "note_submitted", note.title, "notes.review", note_id=note.id)
    _emit(note, "note.submitted")
    db.session.flush()
    return note


def _snapshot(note: Note) -> NoteRevision:
    video = note.video_url or (f"/media/{note.video_file}" if note.video_file else None)
    return NoteRevision(
        note_id=note.id,
        number=note.revision,
        title=note.title,
        body=note.body,
        hashtags=note.hashtags,
        images=[image.file for image in note.images],
        video_url=video,
    )


def approve_note(*, note_id: int, brand_id: int) -> Note:
    """The brand approves: the contract is approved and the note published at once."""
    note = brand_note(note_id=note_id, brand_id=brand_id)
    if note.extra_round_requested_at is not None:
        note.extra_round_requested_at = None
    _approve_and_publish(note, by=brand_id, reason="approved by the brand")
    return note


def _approve_and_publish(note: Note, *, by: int | None, reason: str) -> None:
    approvals.approve_deliverable(
        contract_id=note.contract_id, deliverable_id=note.deliverable_id, by=by, reason=reason
    )
    # Re-read after the contract's lock: a concurrent approval may have committed meanwhile.
    db.session.flush()
    db.session.refresh(note, ["status"])
    move(note, NoteStatus.APPROVED, by=by, reason=reason)
    move(note, NoteStatus.PUBLISHED, by=by, reason="published on approval")
    note.published_at = utcnow()
    notify_user(
        note.kol_id, "note_approved", note.title, "notes.edit", contract_id=note.contract_id
    )
    _emit(note, "note.approved")
    _emit(note, "note.published")
    db.session.flush()


def _emit(note: Note, event_type: str) -> None:
    """The brand's webhooks hear of the note (once per revision and event)."""
    webhooks.emit(
        brand_id=note.brand_id,
        event_type=event_type,
        key=f"note:{note.id}:r{note.revision}",
        data={"note_id": note.id, "contract_id": note.contract_id,
              "campaign_id": note.campaign_id, "kol_id": note.kol_id,
              "revision": note.revision, "status": str(note.status)},
    )  # fmt: skip


def _review_comment(note: Note, brand_id: int, comment: str, brief_item: str) -> ReviewComment:
    if note.status != NoteStatus.SUBMITTED:
        move(note, NoteStatus.CHANGES_REQUESTED, by=brand_id)  # raises the illegal-transition error
    if note.extra_round_requested_at is not None:
        raise Conflict(_("You already asked for an extra round; wait for the KOL's answer."))
    campaign = db.session.get(Campaign, note.campaign_id)
    errors: dict[str, list[str]] = {}
    text = clean_text(comment, 4000)
    if not text:
        errors["comment"] = [_("Say what should change.")]
    if brief_item not in brief_items(campaign):
        errors["brief_item"] = [_("Choose an item of the brief.")]
    if errors:
        raise ValidationFailed(errors)
    review = ReviewComment(
        note_id=note.id,
        revision=note.revision,
        author_id=brand_id,
        brief_item=brief_item,
        comment=text,
    )
    db.session.add(review)
    return review


def _deliverable(note: Note) -> Deliverable:
    return db.session.get(Deliverable, note.deliverable_id)


def rounds_left(contract: Contract, note: Note | None = None) -> int:
    """Revision rounds left: per deliverable when the contract holds several (the extra rounds
    agreed are shared), else the contract's."""
    used = contract.revisions_used
    if note is not None and note.deliverable_id is not None:
        deliverable = _deliverable(note)
        if deliverable.position > 1 or len(deliverables_of(contract.id)) > 1:
            used = deliverable.revisions_used
    return contract.revision_rounds + contract.extra_revisions_agreed - used


def request_changes(*, note_id: int, brand_id: int, comment: str, brief_item: str) -> Note:
    """The brand sends the note back with a comment tied to a brief item (rounds permitting)."""
    note = brand_note(note_id=note_id, brand_id=brand_id)
    contract = lifecycle.lock_contract(note.contract_id)
    pending = note.extra_round_requested_at is not None
    if rounds_left(contract, note) <= 0 and note.status == NoteStatus.SUBMITTED and not pending:
        raise Conflict(
            _("All agreed revision rounds are used: ask the KOL for an extra round."),
            code="extra_round_needed",
        )
    _review_comment(note, brand_id, comment, brief_item)
    _send_back(note, by=brand_id, reason=f"changes requested: {brief_item}")
    return note


def _send_back(note: Note, *, by: int, reason: str) -> None:
    move(note, NoteStatus.CHANGES_REQUESTED, by=by, reason=reason)
    lifecycle.mark_changes_requested(
        contract_id=note.contract_id, by=by, reason=reason, deliverable_id=note.deliverable_id
    )
    notify_user(
        note.kol_id, "changes_requested", note.title, "notes.edit", contract_id=note.contract_id
    )
    db.session.flush()


def ask_extra_round(*, note_id: int, brand_id: int, comment: str, brief_item: str) -> Note:
    """With every agreed round used, the brand asks the KOL to agree to one more."""
    note = brand_note(note_id=note_id, brand_id=brand_id)
    contract = lifecycle.lock_contract(note.contract_id)
    if rounds_left(contract, note) > 0:
        raise Conflict(_("Revision rounds are left: request the changes directly."))
    _review_comment(note, brand_id, comment, brief_item)
    note.extra_round_requested_at = utcnow()
    notify_user(
        note.kol_id, "extra_round_asked", note.title, "notes.edit", contract_id=note.contract_id
    )
    db.session.flush()
    return note


def answer_extra_round(*, note_id: int, kol_id: int, consent: bool) -> Note:
    """The KOL agrees (the change request proceeds) or declines (the contract is disputed)."""
    note = kol_note(note_id=note_id, kol_id=kol_id)
    if note.extra_round_requested_at is None or note.status != NoteStatus.SUBMITTED:
        raise Conflict(_("No extra round is waiting for your answer."))
    note.extra_round_requested_at = None
    contract = lifecycle.lock_contract(note.contract_id)
    if consent:
        contract.extra_revisions_agreed += 1
        _send_back(note, by=note.brand_id, reason="changes requested (extra round agreed)")
        kind = "extra_round_agreed"
    else:
        move(contract, ContractStatus.DISPUTED, by=kol_id, reason="extra revision round declined")
        kind = "extra_round_declined"
    notify_user(note.brand_id, kind, note.title, "notes.review", note_id=note.id)
    db.session.flush()
    return note


def auto_approve_due_notes(now: datetime) -> int:
    """Silence past the review window approves (and publishes) the submitted note: the
    contract's window for a single note, each deliverable's own when it holds several (the
    contract's is the earliest of theirs)."""
    stmt = (
        select(Note)
        .join(Contract, Contract.id == Note.contract_id)
        .where(
            Contract.status == ContractStatus.IN_REVIEW,
            Contract.review_due_at < now,
            Note.status == NoteStatus.SUBMITTED,
            Note.extra_round_requested_at.is_(None),
        )
        .order_by(Contract.review_due_at)
    )
    notes = list(db.session.scalars(stmt))
    parts = deliverables_for(n.contract_id for n in notes)
    approved = 0
    for note in notes:
        several = parts.get(note.contract_id, [])
        mine = next((d for d in several if d.id == note.deliverable_id), None)
        if len(several) > 1 and (
            mine is None or not mine.review_due_at or mine.review_due_at >= now
        ):
            continue
        _approve_and_publish(note, by=None, reason="review window passed")
        approved += 1
    return approved
