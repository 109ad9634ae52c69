"""Read side of notes: the public feed, related notes, trending, the lists of each side."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, literal, or_, select, text
from sqlalchemy.sql.elements import UnaryExpression

from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note, NoteRevision, NoteStatus, ReviewComment
from app.profiles.models import BrandProfile, KolProfile

PER_PAGE = 24
RELATED_LIMIT = 6
TRENDING_WINDOW_DAYS = 30
# PostgreSQL: exactly the expression of the GIN index ix_notes_fts, so the index is used.
FTS_MATCH = text(
    "to_tsvector('simple', coalesce(notes.title,'') || ' ' || coalesce(notes.body,'')) "
    "@@ plainto_tsquery('simple', :q)"
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _age_hours(now: datetime) -> ColumnElement:
    if _dialect() == "postgresql":
        return func.extract("epoch", literal(now) - Note.published_at) / 3600.0
    moment = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return (func.julianday(moment) - func.julianday(Note.published_at)) * 24.0


def engagement_weight() -> ColumnElement:
    """1 for every note for now; analytics will plug recent verified views and clicks in here
    (e.g. 1 + views + 5 × clicks over the trending window, from its hourly rollups)."""
    return literal(1.0)


def trending_score(now: datetime) -> ColumnElement:
    """engagement / (age in hours + 2) ^ 1.5 — a Hacker-News-style decay with age."""
    return engagement_weight() / func.power(_age_hours(now) + 2.0, 1.5)


def trending_order(now: datetime | None = None) -> list[UnaryExpression]:
    """ORDER BY for the Trending tab (ties by newest)."""
    now = now or utcnow()
    return [trending_score(now).desc(), Note.published_at.desc(), Note.id.desc()]


def _search(stmt, q: str):
    if _dialect() == "postgresql":
        return stmt.where(FTS_MATCH.bindparams(q=q))
    pattern = f"%{q}%"
    return stmt.where(or_(Note.title.ilike(pattern), Note.body.ilike(pattern)))


def explore_page(
    *, tab: str = "latest", q: str = "", category: str = "", page: int = 1, per_page: int = PER_PAGE
):
    """A page of published notes for the public feed: Latest or Trending, searched, filtered."""
    stmt = select(Note).where(Note.status == NoteStatus.PUBLISHED)
    if q:
        stmt = _search(stmt, q)
    if category:
        stmt = stmt.where(Note.category == category)
    if tab == "trending":
        now = utcnow()
        stmt = stmt.where(Note.published_at >= now - timedelta(days=TRENDING_WINDOW_DAYS))
        stmt = stmt.order_by(*trending_order(now))
    else:
        stmt = stmt.order_by(Note.published_at.desc(), Note.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def related_notes(note: Note, limit: int = RELATED_LIMIT) -> list[Note]:
    """Published notes of the same category or sharing a hashtag, newest first (one query)."""
    padded = func.lower(" " + Note.hashtags + " ")
    shared = [padded.contains(f" {tag.lower()} ", autoescape=True) for tag in note.hashtag_list]
    stmt = (
        select(Note)
        .where(
            Note.status == NoteStatus.PUBLISHED,
            Note.id != note.id,
            or_(Note.category == note.category, *shared[:20]),
        )
        .order_by(Note.published_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def author_names(notes) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of the KOLs and brands of ``notes``: two queries whatever their number."""
    kol_ids = {n.kol_id for n in notes}
    brand_ids = {n.brand_id for n in notes}
    kols = dict(
        db.session.execute(
            select(KolProfile.user_id, KolProfile.display_name).where(
                KolProfile.user_id.in_(kol_ids)
            )
        ).all()
        if kol_ids
        else []
    )
    brands = dict(
        db.session.execute(
            select(BrandProfile.user_id, BrandProfile.company_name).where(
                BrandProfile.user_id.in_(brand_ids)
            )
        ).all()
        if brand_ids
        else []
    )
    return kols, brands


def published_note(note_id: int) -> Note | None:
    note = db.session.get(Note, note_id)
    return note if note is not None and note.status == NoteStatus.PUBLISHED else None


def published_by_kol(kol_id: int, limit: int = 12) -> list[Note]:
    """A KOL's published notes, newest first (for profile pages)."""
    stmt = (
        select(Note)
        .where(Note.kol_id == kol_id, Note.status == NoteStatus.PUBLISHED)
        .order_by(Note.published_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def note_by_code(code: str) -> Note | None:
    """The published note behind a tracked link."""
    stmt = select(Note).where(Note.tracking_code == code, Note.status == NoteStatus.PUBLISHED)
    return db.session.scalar(stmt)


def kol_notes_page(*, kol_id: int, page: int = 1):
    stmt = select(Note).where(Note.kol_id == kol_id).order_by(Note.updated_at.desc(), Note.id)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def contracts_awaiting_note(kol_id: int) -> list[Contract]:
    """The KOL's funded contracts that have no note yet."""
    stmt = (
        select(Contract)
        .outerjoin(Note, Note.contract_id == Contract.id)
        .where(
            Contract.kol_id == kol_id,
            Contract.status == ContractStatus.FUNDED,
            Note.id.is_(None),
        )
        .order_by(Contract.due_date)
    )
    return list(db.session.scalars(stmt))


def brand_notes_page(*, brand_id: int, status: str = "", page: int = 1):
    """The brand's notes past draft, those waiting for review first."""
    stmt = select(Note).where(Note.brand_id == brand_id, Note.status != NoteStatus.DRAFT)
    if status in {s.value for s in NoteStatus} - {"draft"}:
        stmt = stmt.where(Note.status == status)
    waiting_first = case((Note.status == NoteStatus.SUBMITTED, 0), else_=1)
    stmt = stmt.order_by(waiting_first, Note.updated_at.desc(), Note.id.desc())
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def revisions(note_id: int) -> list[NoteRevision]:
    stmt = select(NoteRevision).where(NoteRevision.note_id == note_id)
    return list(db.session.scalars(stmt.order_by(NoteRevision.number)))


def revision(note_id: int, number: int) -> NoteRevision | None:
    stmt = select(NoteRevision).where(
        NoteRevision.note_id == note_id, NoteRevision.number == number
    )
    return db.session.scalar(stmt)


def review_comments(note_id: int) -> list[ReviewComment]:
    stmt = select(ReviewComment).where(ReviewComment.note_id == note_id)
    return list(db.session.scalars(stmt.order_by(ReviewComment.id.desc())))
