"""The admins' queue of reported comments (reading side; the actions are in comments.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.auth.models import User
from app.engagement.models import CommentReport, NoteComment
from app.engagement.shoppers import public_names
from app.extensions import db
from app.notes.models import Note
from app.pagination import Page

PER_PAGE = 25


@dataclass
class ReportedComment:
    comment: NoteComment
    author: User
    author_name: str
    note: Note
    reports: int
    first_reported_at: datetime
    reasons: list[tuple[str, str]]  # (reporter name, reason), oldest first


def open_reports_page(*, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Comments with open reports, the longest waiting first, in a fixed number of queries."""
    page = max(1, min(page, 100_000))
    open_ = CommentReport.resolved_at.is_(None)
    total = db.session.scalar(
        select(func.count(func.distinct(CommentReport.comment_id))).where(open_)
    )
    first = func.min(CommentReport.created_at)
    grouped = db.session.execute(
        select(CommentReport.comment_id, func.count(), first)
        .where(open_)
        .group_by(CommentReport.comment_id)
        .order_by(first, CommentReport.comment_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    ids = [row[0] for row in grouped]
    if not ids:
        return Page(items=[], page=page, per_page=per_page, total=total or 0)
    rows = db.session.execute(
        select(NoteComment, User, Note)
        .join(User, User.id == NoteComment.user_id)
        .join(Note, Note.id == NoteComment.note_id)
        .where(NoteComment.id.in_(ids))
    ).all()
    loaded = {c.id: (c, u, n) for c, u, n in rows}
    reports = db.session.execute(
        select(CommentReport.comment_id, CommentReport.reporter_id, CommentReport.reason)
        .where(open_, CommentReport.comment_id.in_(ids))
        .order_by(CommentReport.created_at, CommentReport.id)
    ).all()
    names = public_names({u.id for _c, u, _n in rows} | {r.reporter_id for r in reports})
    reasons: dict[int, list] = {}
    for comment_id, reporter_id, reason in reports:
        reasons.setdefault(comment_id, []).append((names.get(reporter_id, ""), reason))
    items = []
    for comment_id, count, first_at in grouped:
        if comment_id not in loaded:
            continue
        comment, author, note = loaded[comment_id]
        items.append(
            ReportedComment(
                comment=comment,
                author=author,
                author_name=names.get(author.id, ""),
                note=note,
                reports=count,
                first_reported_at=first_at,
                reasons=reasons.get(comment_id, []),
            )
        )
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
