"""Comments on published notes: one reply level, plain text, moderation (hide, report, remove).

Comments are written straight to the database (not through the Redis hot path of likes and
saves): a comment is typed, not a click, and the rate limit keeps their number small. Each
comment counts +1 into the note's hourly rollup when written and -1 when removed, through the
same helper the engagement writer uses, so the counts equal the rows behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.analytics.rollups import hour_of
from app.auth.models import User
from app.db_types import utcnow
from app.engagement import pipeline
from app.engagement.models import CommentReport, NoteComment, ShopperProfile
from app.engagement.services import ENGAGERS, is_flagged
from app.engagement.shoppers import public_name_columns
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.pagination import Page
from app.text import clean_text

BODY_MAX = 1000
REASON_MAX = 200
PER_PAGE = 20
# How a note's comments can be ordered: newest first, or verified shoppers first (issue 24).
SORTS = ("newest", "verified")


@dataclass
class CommentView:
    """A comment with its author's public name and avatar, and (top level) its replies."""

    comment: NoteComment
    author_name: str
    author_avatar: str | None
    # The author bought through a tracked link (a brand confirmed the order): "Verified shopper".
    verified_buyer: bool = False
    replies: list[CommentView] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.comment.id


def _published_note(note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.status != NoteStatus.PUBLISHED:
        raise NotFound(_("No such note."))
    return note


def _count(note: Note, comment: NoteComment, sign: int) -> None:
    """Move the note's hourly rollup by one comment (the writer's own upsert)."""
    row = {
        "note_id": note.id,
        "hour": hour_of(utcnow()),
        "contract_id": note.contract_id,
        "campaign_id": note.campaign_id,
        "kol_id": note.kol_id,
        **dict.fromkeys(pipeline.ENGAGEMENT_COUNTERS, 0),
    }
    row["comments"] = sign
    row["flagged_engagements"] = sign if comment.flagged else 0
    pipeline.add_to_rollups([row])


def _author(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise Forbidden(_("This account is disabled."))
    if user.role not in ENGAGERS:
        raise Forbidden(_("Staff accounts cannot comment."))
    return user


def _live_comment(comment_id: int) -> NoteComment:
    comment = db.session.get(NoteComment, comment_id)
    if comment is None or comment.removed_at is not None:
        raise NotFound(_("No such comment."))
    return comment


def clean_body(body: str | None, *, field_name: str = "body", limit: int = BODY_MAX) -> str:
    """Plain text, 1 to ``limit`` characters after cleaning; the error names the field."""
    text = clean_text(body if isinstance(body, str) else "", 1_000_000)
    if not text:
        raise ValidationFailed({field_name: [_("Write something first.")]})
    if len(text) > limit:
        raise ValidationFailed(
            {field_name: [_("At most %(n)d characters (this has %(m)d).", n=limit, m=len(text))]}
        )
    return text


def add_comment(
    *, note_id: int, user_id: int, body: str | None, parent_id: int | None = None
) -> NoteComment:
    """Comment on a published note, or reply to a comment of it (a reply to a reply joins the
    thread of the top-level comment: one reply level)."""
    author = _author(user_id)
    note = _published_note(note_id)
    text = clean_body(body)
    if parent_id is not None:
        parent = db.session.get(NoteComment, parent_id)
        if parent is None or parent.note_id != note.id or parent.removed_at is not None:
            raise ValidationFailed({"parent_id": [_("That comment is no longer there.")]})
        parent_id = parent.parent_id or parent.id
    comment = NoteComment(
        note_id=note.id,
        user_id=user_id,
        parent_id=parent_id,
        body=text,
        flagged=is_flagged(author),
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    _count(note, comment, +1)
    return comment


def delete_own_comment(*, comment_id: int, user_id: int) -> NoteComment:
    """An author removes their own comment (with its replies); nobody else's."""
    comment = _live_comment(comment_id)
    if comment.user_id != user_id:
        raise NotFound(_("No such comment."))  # another's comment: as if it did not exist
    _remove(comment, by=user_id)
    return comment


def set_hidden(*, comment_id: int, user_id: int, hidden: bool) -> NoteComment:
    """The note's KOL or the campaign's brand hides a comment from the public, or shows it again."""
    comment = _live_comment(comment_id)
    note = db.session.get(Note, comment.note_id)
    if user_id not in (note.kol_id, note.brand_id):
        raise Forbidden(_("Only the note's KOL and brand can hide comments."))
    if hidden and comment.hidden_at is None:
        comment.hidden_at, comment.hidden_by_id = utcnow(), user_id
    elif not hidden:
        comment.hidden_at, comment.hidden_by_id = None, None
    return comment


def report_comment(*, comment_id: int, user_id: int, reason: str | None) -> CommentReport:
    """Report a comment to the admins, once per account."""
    comment = _live_comment(comment_id)
    if comment.user_id == user_id:
        raise ValidationFailed({"reason": [_("You cannot report your own comment.")]})
    text = clean_body(reason, field_name="reason", limit=REASON_MAX)
    existing = db.session.scalar(
        select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.reporter_id == user_id
        )
    )
    if existing is not None:
        raise Conflict(_("You already reported this comment."))
    report = CommentReport(comment_id=comment.id, reporter_id=user_id, reason=text)
    db.session.add(report)
    db.session.flush()
    return report


def remove_comment(*, comment_id: int, admin_id: int) -> NoteComment:
    """An admin removes a comment (and its replies); its open reports are resolved."""
    comment = _live_comment(comment_id)
    _remove(comment, by=admin_id)
    return comment


def dismiss_reports(*, comment_id: int, admin_id: int) -> int:
    """An admin keeps the comment: its open reports are resolved. Returns how many."""
    return _resolve_reports([comment_id], admin_id)


def _resolve_reports(comment_ids: list[int], admin_id: int) -> int:
    reports = db.session.scalars(
        select(CommentReport).where(
            CommentReport.comment_id.in_(comment_ids), CommentReport.resolved_at.is_(None)
        )
    ).all()
    now = utcnow()
    for report in reports:
        report.resolved_at, report.resolved_by_id = now, admin_id
    return len(reports)


def _remove(comment: NoteComment, *, by: int) -> None:
    note = db.session.get(Note, comment.note_id)
    targets = [comment]
    if comment.parent_id is None:
        targets += db.session.scalars(
            select(NoteComment).where(
                NoteComment.parent_id == comment.id, NoteComment.removed_at.is_(None)
            )
        ).all()
    now = utcnow()
    for target in targets:
        target.removed_at, target.removed_by_id = now, by
        _count(note, target, -1)
    _resolve_reports([t.id for t in targets], by)


# --- reading ---------------------------------------------------------------------------------


_VERIFIED_BUYER = ShopperProfile.verified_buyer_at.is_not(None)


def _with_authors(stmt):
    name, avatar, joins = public_name_columns(NoteComment.user_id)
    stmt = stmt.add_columns(name, avatar, _VERIFIED_BUYER)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return stmt


def comments_page(
    note: Note,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    include_hidden: bool = False,
    sort: str = "newest",
) -> Page:
    """Top-level comments of a note, newest first (or verified shoppers' first), each with its
    replies (oldest first) and every author's name: three queries whatever their number."""
    page = max(1, min(page, 100_000))
    visible = [NoteComment.note_id == note.id, NoteComment.removed_at.is_(None)]
    if not include_hidden:
        visible.append(NoteComment.hidden_at.is_(None))
    top = [*visible, NoteComment.parent_id.is_(None)]
    total = db.session.scalar(select(func.count()).select_from(NoteComment).where(*top))
    rows = db.session.execute(
        _with_authors(select(NoteComment))
        .where(*top)
        .order_by(*_order(sort), NoteComment.created_at.desc(), NoteComment.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    threads = [CommentView(c, name, avatar, bool(v)) for c, name, avatar, v in rows]
    if threads:
        by_id = {t.id: t for t in threads}
        replies = db.session.execute(
            _with_authors(select(NoteComment))
            .where(*visible, NoteComment.parent_id.in_(by_id))
            .order_by(NoteComment.created_at, NoteComment.id)
        ).all()
        for c, name, avatar, v in replies:
            by_id[c.parent_id].replies.append(CommentView(c, name, avatar, bool(v)))
    return Page(items=threads, page=page, per_page=per_page, total=total or 0)


def is_verified_buyer(user_id: int) -> bool:
    """A shopper a brand confirmed an order for, bought through their own tracked click."""
    profile = db.session.get(ShopperProfile, user_id)
    return profile is not None and profile.verified_buyer_at is not None


def _order(sort: str) -> tuple:
    if sort == "verified":  # a buyer's word first; the rest keep their order
        return (case((_VERIFIED_BUYER, 0), else_=1),)
    return ()


def comment_count(note_id: int) -> int:
    """Comments shown to the public (replies included)."""
    return db.session.scalar(
        select(func.count())
        .select_from(NoteComment)
        .where(
            NoteComment.note_id == note_id,
            NoteComment.removed_at.is_(None),
            NoteComment.hidden_at.is_(None),
        )
    )
