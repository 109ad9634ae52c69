"""Public pages: the feed (/explore) and a published note (/n/<id>-<slug>), whose views the
analytics feature records (its tracked link /go/<code> is app/analytics/routes.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app import pagecache, search
from app.analytics.tracking import VISITOR_COOKIE, VISITOR_RE, record_view
from app.authz import PUBLIC, access
from app.engagement.comment_section import comment_sort, note_comments
from app.engagement.services import ENGAGERS, note_counts
from app.notes import queries
from app.notes.queries import PAGE_TABS, explore_filters
from app.notes.routes import bp
from app.outcomes.services import promo_code_of
from app.recommend.queries import for_visitor, related_notes
from app.text import render_markdown


@bp.get("/explore")
@access(PUBLIC)
def explore():
    filters = explore_filters(request.args, PAGE_TABS)
    if filters["tab"] == "foryou":
        return _for_you()
    tag = filters["q"][1:] if filters["q"].startswith("#") else ""
    if tag and search.normal_tag(tag) and len(tag.split()) == 1:  # "#防晒": that tag's page
        return redirect(url_for("notes.tag", tag=search.normal_tag(tag)))
    number = request.args.get("page", 1, int)
    cursor = request.args.get("cursor") or None
    if not pagecache.cacheable_visitor():
        return _render_explore(filters, number, cursor)
    key = ("explore", tuple(sorted(filters.items())), number, cursor, str(get_locale()))
    # The language link returns to this page as the cache key sees it (no other query string).
    here = url_for(
        "notes.explore",
        **{k: v for k, v in filters.items() if v and (k, v) != ("tab", "latest")},
        page=number if number != 1 else None,
        cursor=cursor,
    )
    html = pagecache.cached(
        key,
        lambda: _render_explore(
            filters, number, cursor, csrf_token=pagecache.csrf_placeholder, lang_next=here
        ),
        ttl=pagecache.PAGE_TTL,
    )
    return pagecache.fill_csrf(html)


def _render_explore(filters: dict, number: int, cursor: str | None, **extra) -> str:
    page = queries.explore_page(
        **filters, page=number, per_page=queries.PER_PAGE, cursor=cursor, keyset=number == 1
    )
    pagecache.depends_on("notes", *pagecache.note_scopes(page.items))
    return render_template(
        "notes/explore.html",
        page=page,
        filters=filters,
        **queries.note_cards(page.items),
        **extra,
    )


def _for_you():
    """A visitor's For you: their own list, so never from nor into the shared page cache and
    never kept by a browser or proxy for someone else (private, no-store). Read from the
    visitor cookie only (none is set here): without one, the cold start (trending). Signed-in
    people have theirs on /feed."""
    if current_user.is_authenticated and current_user.role in ENGAGERS:
        return redirect(url_for("social.feed_page", tab="foryou"))
    cookie = request.cookies.get(VISITOR_COOKIE, "")
    visitor = cookie if VISITOR_RE.match(cookie) else None
    feed = for_visitor(visitor, limit=queries.PER_PAGE)
    filters = {"tab": "foryou", "q": "", "category": ""}
    response = make_response(
        render_template(
            "notes/explore.html", page=feed, filters=filters, **queries.note_cards(feed.items)
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@dataclass(frozen=True)
class PublicNote:
    """What the hot path needs of a published note (cached: no ORM object, no query)."""

    id: int
    slug: str
    contract_id: int
    campaign_id: int
    kol_id: int
    brand_id: int
    status: str


def public_note(note_id: int) -> PublicNote | None:
    def load():
        note, promo_code = queries.published_note_and_promo_code(note_id)
        if note is None:
            return None
        g.public_note = note  # a render in this request finds it in the session: no 2nd query
        g.public_note_promo_code = promo_code  # and the KOL's promo code with it
        return PublicNote(note.id, note.slug, note.contract_id, note.campaign_id, note.kol_id,
                          note.brand_id, note.status)  # fmt: skip

    return pagecache.cached(("public-note", note_id), load, scopes=(f"note:{note_id}",))


@bp.get("/n/<int:note_id>")
@access(PUBLIC)
def public_short(note_id: int):
    note = queries.published_note(note_id) or abort(404)
    return redirect(url_for("notes.public", note_id=note.id, slug=note.slug), 301)


@bp.get("/n/<int:note_id>-<slug>")
@access(PUBLIC)
def public(note_id: int, slug: str):
    """The same HTML for every anonymous visitor: built once per process and language, until
    the note (or anything shown with it) changes (app/pagecache.py)."""
    card = public_note(note_id) or abort(404)
    if slug != card.slug:
        return redirect(url_for("notes.public", note_id=card.id, slug=card.slug), 301)
    if pagecache.cacheable_visitor():
        comments_page = request.args.get("comments_page", 1, int)  # shown on the page: in the key
        sort = comment_sort()
        here = url_for(
            "notes.public",
            note_id=card.id,
            slug=card.slug,
            comments_page=comments_page if comments_page != 1 else None,
            comments_sort=sort if sort != "newest" else None,
        )
        html = pagecache.cached(
            ("note-page", note_id, str(get_locale()), comments_page, sort),
            lambda: _render_public(note_id, csrf_token=pagecache.csrf_placeholder, lang_next=here),
            ttl=pagecache.PAGE_TTL,
        )
        html = pagecache.fill_csrf(html)
    else:
        html = _render_public(note_id)
    record_view(note=card, request=request)  # after rendering: a direct write commits
    return html


def _promo_code(note) -> str | None:
    """Read with the note when this request loaded it (public_note), else on its own."""
    if "public_note_promo_code" in g:
        return g.public_note_promo_code
    return promo_code_of(note.contract_id)


def _render_public(note_id: int, **extra) -> str:
    note = queries.published_note(note_id) or abort(404)
    related = related_notes(note)  # co-engaged first, then same category or hashtag
    # Cached until this note, a related one, their authors or the campaign change.
    pagecache.depends_on(f"campaign:{note.campaign_id}", *pagecache.note_scopes([note, *related]))
    html = render_template(
        "notes/public.html",
        note=note,
        engagement=note_counts(note.id, note.kol_id),  # the same for every visitor
        body_html=render_markdown(note.body),
        related=related,
        promo_code=_promo_code(note),  # the KOL's code for the brand's shop
        **queries.note_cards([note, *related]),
        **note_comments(note),
        **extra,
    )
    return html
