"""Public search helpers: a hashtag's page (/tags/<tag>) and suggestions as people type."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale

from app import pagecache, search
from app.authz import PUBLIC, access
from app.cache_control import is_private_response
from app.extensions import limiter
from app.notes import queries, tags
from app.notes.routes import bp
from app.text import clean_text

SUGGEST_MAX_CHARS = 40


@bp.get("/tags/<tag>")
@access(PUBLIC)
def tag(tag: str):
    """The same HTML for every anonymous visitor, cached like /explore."""
    name = search.normal_tag(tag)
    number = request.args.get("page", 1, int)
    cursor = request.args.get("cursor") or None
    if not pagecache.cacheable_visitor():
        return _render_tag(name, number, cursor)
    here = url_for("notes.tag", tag=name, page=number if number != 1 else None, cursor=cursor)
    html = pagecache.cached(
        ("tag-page", name, number, cursor, str(get_locale())),
        lambda: _render_tag(
            name, number, cursor, csrf_token=pagecache.csrf_placeholder, lang_next=here
        ),
        ttl=pagecache.PAGE_TTL,
    )
    return pagecache.fill_csrf(html)


def _render_tag(name: str, number: int, cursor: str | None, **extra) -> str:
    page = tags.tagged_page(tag=name, page=number, cursor=cursor)
    pagecache.depends_on("notes", *pagecache.note_scopes(page.items))
    cards = queries.note_cards(page.items)
    return render_template("notes/tag.html", tag=name, page=page, **cards, **extra)


@bp.get("/search/suggest")
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["SUGGEST_LIMIT"])
def suggest():
    """Tags, note titles and KOL names for what has been typed (JSON, for the search box's
    list; the page works without it). The same for everyone: cached until notes change."""
    q = clean_text(request.args.get("q", ""), SUGGEST_MAX_CHARS)
    if not q.lstrip("#").strip():
        found = {"tags": [], "notes": [], "kols": []}
    else:
        found = pagecache.cached(
            ("suggest", q.casefold()), lambda: tags.suggestions(q), scopes=("notes", "profiles")
        )
    response = jsonify(q=q, **found)
    if not is_private_response():  # a signed-in answer is never stored (app/cache_control.py)
        response.cache_control.public = True
        response.cache_control.max_age = 60
    return response
