"""Public pages: the feed (/explore) and a published note (/n/<id>-<slug>), whose views the
analytics feature records (its tracked link /go/<code> is app/analytics/routes.py)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from app.analytics.tracking import record_view
from app.authz import PUBLIC, access
from app.catalog import CATEGORIES
from app.notes import queries
from app.notes.routes import bp
from app.text import clean_text, render_markdown

TABS = ("latest", "trending")


def explore_filters(args) -> dict:
    """The feed's filters from a query string, unknown values dropped."""
    tab = args.get("tab", "latest")
    category = args.get("category", "")
    return {
        "tab": tab if tab in TABS else "latest",
        "q": clean_text(args.get("q", ""), 100),
        "category": category if category in CATEGORIES else "",
    }


@bp.get("/explore")
@access(PUBLIC)
def explore():
    filters = explore_filters(request.args)
    page = queries.explore_page(
        **filters, page=request.args.get("page", 1, int), per_page=queries.PER_PAGE
    )
    kols, brands = queries.author_names(page.items)
    return render_template(
        "notes/explore.html", page=page, filters=filters, kols=kols, brands=brands, tabs=TABS
    )


@bp.get("/n/<int:note_id>")
@access(PUBLIC)
def public_short(note_id: int):
    note = queries.published_note(note_id) or abort(404)
    return redirect(url_for("notes.public", note_id=note.id, slug=note.slug), 301)


@bp.get("/n/<int:note_id>-<slug>")
@access(PUBLIC)
def public(note_id: int, slug: str):
    note = queries.published_note(note_id) or abort(404)
    if slug != note.slug:
        return redirect(url_for("notes.public", note_id=note.id, slug=note.slug), 301)
    related = queries.related_notes(note)
    kols, brands = queries.author_names([note, *related])
    html = render_template(
        "notes/public.html",
        note=note,
        body_html=render_markdown(note.body),
        related=related,
        kols=kols,
        brands=brands,
    )
    record_view(note=note, request=request)  # after rendering: a direct write commits
    return html
