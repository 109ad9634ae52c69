"""Reading by hashtag and by prefix: a tag's page of notes, and suggestions as people type."""

from __future__ import annotations

from sqlalchemy import func, select

from app import search
from app.extensions import db
from app.notes.models import Note, NoteStatus, NoteTag
from app.notes.queries import NEWEST
from app.pagination import keyset_page
from app.profiles.models import KolProfile, Verification

PER_PAGE = 24
SUGGESTIONS = 4  # of each kind


def tagged_page(*, tag: str, page: int = 1, per_page: int = PER_PAGE, cursor: str | None = None):
    """Published notes carrying ``tag`` (in their hashtags or as a #tag in the text), newest
    first, paged like /explore: by cursor (page numbers only for old links to page 2 on)."""
    stmt = (
        select(Note)
        .join(NoteTag, NoteTag.note_id == Note.id)
        .where(NoteTag.tag == tag, Note.status == NoteStatus.PUBLISHED)
    )
    if cursor or page == 1:
        return keyset_page(stmt, NEWEST, cursor=cursor, per_page=per_page)
    stmt = stmt.order_by(Note.published_at.desc(), Note.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _like_prefix(column, prefix: str):
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"{escaped}%", escape="\\")


def suggestions(q: str) -> dict[str, list[str]]:
    """What ``q`` as typed so far may become: tags starting with it (most used first), titles
    of published notes matching it (the last word as a prefix) and names of verified KOLs."""
    dialect = db.session.get_bind().dialect.name
    tag = search.normal_tag(q)
    tags = select(NoteTag.tag).join(Note, Note.id == NoteTag.note_id)
    tags = tags.where(_like_prefix(NoteTag.tag, tag), Note.status == NoteStatus.PUBLISHED)
    tags = tags.group_by(NoteTag.tag).order_by(func.count().desc(), NoteTag.tag)
    words = q.lstrip("#")
    titles = (
        select(Note.title)
        .where(Note.status == NoteStatus.PUBLISHED, Note.title != "")
        .where(search.matches(Note, words, dialect, prefix=True))
        .order_by(search.rank(Note, words, dialect).desc(), Note.published_at.desc())
    )
    kols = (
        select(KolProfile.display_name)
        .where(KolProfile.verification == Verification.VERIFIED)
        .where(_like_prefix(KolProfile.display_name, words.strip()))
        .order_by(KolProfile.total_followers.desc())
    )
    return {
        "tags": ["#" + t for t in db.session.scalars(tags.limit(SUGGESTIONS)) if tag],
        "notes": list(dict.fromkeys(db.session.scalars(titles.limit(SUGGESTIONS)))),
        "kols": list(db.session.scalars(kols.limit(SUGGESTIONS))),
    }
