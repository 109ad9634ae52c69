"""Read side of notes: the public feed, related notes, trending, the lists of each side."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)  # fmt: skip

from app import search
from app.catalog import CATEGORIES
from app.contracts.models import Contract, ContractStatus, Deliverable, DeliverableStatus
from app.db_types import utcnow
from app.engagement.models import NoteLike
from app.extensions import db
from app.notes.models import Note, NoteImage, NoteRevision, NoteStatus, ReviewComment
from app.notes.trending import TRENDING_WINDOW_DAYS, dialect, trending_order
from app.pagination import keyset_page
from app.profiles.models import BrandProfile, KolProfile
from app.text import clean_text

PER_PAGE = 24
NEWEST = (Note.published_at, Note.id)  # the keyset of newest-first lists of published notes
TABS = ("latest", "trending")  # the public feed's tabs (the API's too)
PAGE_TABS = (*TABS, "foryou")  # /explore's: For you is the visitor's own (not in the API)
RELATED_LIMIT = 6


def explore_filters(args, tabs: tuple[str, ...] = TABS) -> dict:
    """The feed's filters from a query string, unknown values dropped."""
    tab = args.get("tab", "latest")
    category = args.get("category", "")
    return {
        "tab": tab if tab in tabs else "latest",
        "q": clean_text(args.get("q", ""), 100),
        "category": category if category in CATEGORIES else "",
    }


def explore_page(
    *, tab: str = "latest", q: str = "", category: str = "", page: int = 1,
    per_page: int = PER_PAGE, cursor: str | None = None, keyset: bool = False,
):  # fmt: skip
    """A page of published notes for the public feed: Latest or Trending, searched, filtered.
    Latest without a search reads by cursor (``keyset``, or when given one: no OFFSET, no
    COUNT); the trending window and search results are bounded and keep page numbers."""
    stmt = select(Note).where(Note.status == NoteStatus.PUBLISHED)
    if q:
        stmt = stmt.where(search.matches(Note, q, dialect()))
    if category:
        stmt = stmt.where(Note.category == category)
    if tab != "trending" and not q and (keyset or cursor):
        return keyset_page(stmt, NEWEST, cursor=cursor, per_page=per_page)
    if tab == "trending":
        now = utcnow()
        stmt = stmt.where(Note.published_at >= now - timedelta(days=TRENDING_WINDOW_DAYS))
        stmt = stmt.order_by(*trending_order(now))
    elif q:  # best match first (a title or hashtag above the body), then newest
        best = search.rank(Note, q, dialect()).desc()
        stmt = stmt.order_by(best, Note.published_at.desc(), Note.id.desc())
    else:
        stmt = stmt.order_by(Note.published_at.desc(), Note.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def same_topic(note: Note) -> ColumnElement[bool]:
    """Notes of ``note``'s category or sharing one of its hashtags (the first 20)."""
    padded = func.lower(" " + Note.hashtags + " ")
    shared = [padded.contains(f" {tag.lower()} ", autoescape=True) for tag in note.hashtag_list]
    return or_(Note.category == note.category, *shared[:20])


def related_notes(note: Note, limit: int = RELATED_LIMIT) -> list[Note]:
    """Published notes of the same category or sharing a hashtag, newest first (one query)."""
    stmt = (
        select(Note)
        .where(Note.status == NoteStatus.PUBLISHED, Note.id != note.id, same_topic(note))
        .order_by(Note.published_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def author_names(notes) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of the KOLs and brands of ``notes``: one query whatever their number."""
    kol_ids = {n.kol_id for n in notes}
    brand_ids = {n.brand_id for n in notes}
    if not kol_ids and not brand_ids:
        return {}, {}
    kol_names = select(
        literal("k").label("side"), KolProfile.user_id, KolProfile.display_name.label("name")
    ).where(KolProfile.user_id.in_(kol_ids))
    brand_names = select(
        literal("b").label("side"), BrandProfile.user_id, BrandProfile.company_name.label("name")
    ).where(BrandProfile.user_id.in_(brand_ids))
    kols: dict[int, str] = {}
    brands: dict[int, str] = {}
    for side, user_id, name in db.session.execute(union_all(kol_names, brand_names)):
        (kols if side == "k" else brands)[user_id] = name
    return kols, brands


def note_cards(notes) -> dict[str, dict[int, object]]:
    """Everything a note card (templates/notes/_card.html) shows besides the note itself:
    ``kols`` and ``brands`` (names), ``avatars`` (KOL avatar file names) and ``likes`` (per
    note), for ``render_template(..., **note_cards(notes))``. One query whatever the number of
    notes: the like counts ride in the same UNION as the names, as text."""
    notes = list(notes)
    cards: dict[str, dict] = {"kols": {}, "brands": {}, "avatars": {}, "likes": {}}
    if not notes:
        return cards
    kol_rows = select(
        literal("k").label("side"), KolProfile.user_id.label("id"),
        KolProfile.display_name.label("name"), KolProfile.avatar.label("extra"),
    ).where(KolProfile.user_id.in_({n.kol_id for n in notes}))  # fmt: skip
    brand_rows = select(
        literal("b"), BrandProfile.user_id, BrandProfile.company_name, BrandProfile.logo
    ).where(BrandProfile.user_id.in_({n.brand_id for n in notes}))
    like_rows = (
        select(literal("l"), NoteLike.note_id, cast(func.count(), String), literal(None, String))
        .where(NoteLike.note_id.in_({n.id for n in notes}))
        .group_by(NoteLike.note_id)
    )
    for side, key, name, extra in db.session.execute(union_all(kol_rows, brand_rows, like_rows)):
        if side == "l":
            cards["likes"][key] = int(name)
        elif side == "k":
            cards["kols"][key] = name
            cards["avatars"][key] = extra
        else:
            cards["brands"][key] = name
    return cards


def recent_covers(kol_ids, per_kol: int = 3) -> dict[int, list]:
    """The covers (first image) of each KOL's latest published notes with images, newest
    first: rows with ``note_id, slug, file, width, height``. One query for any number of KOLs
    (a window function ranks each KOL's notes)."""
    ids = set(kol_ids)
    if not ids:
        return {}
    rank = func.row_number().over(
        partition_by=Note.kol_id, order_by=(Note.published_at.desc(), Note.id.desc())
    )
    ranked = (
        select(
            Note.kol_id,
            Note.id.label("note_id"),
            Note.slug,
            NoteImage.file,
            NoteImage.width,
            NoteImage.height,
            rank.label("n"),
        )
        .join(NoteImage, (NoteImage.note_id == Note.id) & (NoteImage.position == 1))
        .where(Note.kol_id.in_(ids), Note.status == NoteStatus.PUBLISHED)
        .subquery()
    )
    rows = db.session.execute(
        select(ranked).where(ranked.c.n <= per_kol).order_by(ranked.c.kol_id, ranked.c.n)
    )
    covers: dict[int, list] = {}
    for row in rows:
        covers.setdefault(row.kol_id, []).append(row)
    return covers


def published_by_brand(brand_id: int, limit: int = 24) -> list[Note]:
    """A brand's published notes, newest first (its public page)."""
    stmt = (
        select(Note)
        .where(Note.brand_id == brand_id, Note.status == NoteStatus.PUBLISHED)
        .order_by(Note.published_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def published_note_and_promo_code(note_id: int) -> tuple[Note | None, str | None]:
    """A published note with its contract's promo code, in one query."""
    row = db.session.execute(
        select(Note, Contract.promo_code)
        .join(Contract, Contract.id == Note.contract_id)
        .where(Note.id == note_id, Note.status == NoteStatus.PUBLISHED)
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


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
    """The KOL's funded contracts with a deliverable that has no note yet (with several, also
    while another is in review)."""
    unwritten = (
        select(Deliverable.id)
        .outerjoin(Note, Note.deliverable_id == Deliverable.id)
        .where(
            Deliverable.contract_id == Contract.id,
            Deliverable.status == DeliverableStatus.PENDING,
            Note.id.is_(None),
        )
        .exists()
    )
    stmt = (
        select(Contract)
        .where(
            Contract.kol_id == kol_id,
            Contract.status.in_((ContractStatus.FUNDED, ContractStatus.IN_REVIEW)),
            unwritten,
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
