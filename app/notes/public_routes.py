"""Public pages: the feed (/explore), a published note (/n/<id>-<slug>), the tracked link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, url_for

from app.authz import PUBLIC, access
from app.campaigns.models import Campaign
from app.catalog import CATEGORIES
from app.extensions import db
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
    return render_template(
        "notes/public.html",
        note=note,
        body_html=render_markdown(note.body),
        related=related,
        kols=kols,
        brands=brands,
    )


@bp.get("/go/<code>")
@access(PUBLIC)
def go(code: str):
    """A published note's product link: only ever to the campaign's stored product URL.

    A minimal stand-in; the analytics feature replaces it to record the click.
    """
    note = queries.note_by_code(code[:16]) or abort(404)
    campaign = db.session.get(Campaign, note.campaign_id)
    target = urlsplit(campaign.product_url or "")
    if target.scheme not in {"http", "https"} or not target.netloc:
        abort(404)
    return redirect(campaign.product_url, 302)
