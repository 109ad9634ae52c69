"""Which language a page is shown in: the user's choice, the visitor's ``lang`` cookie (or an
older session's choice), or the browser's."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

# A display preference set by GET /lang/<code> (app/main.py): reading it needs no session, so an
# anonymous visitor of a public page gets no session cookie.
LANG_COOKIE = "lang"


def current_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI and jobs
    if current_user and current_user.is_authenticated:
        # The person's choice, also when they act for their team's brand (app/orgs/acting.py).
        reader = getattr(g.get("acting"), "person", current_user)
        if reader.locale in languages:
            return reader.locale
    if request.cookies.get(LANG_COOKIE) in languages:
        return request.cookies[LANG_COOKIE]
    if session.get("locale") in languages:
        return session["locale"]
    return _browser_choice(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _browser_choice(accept_language: str) -> str:
    """The language an Accept-Language header picks (browsers send a handful of distinct
    headers: parsed once per process each)."""
    best = parse_accept_header(accept_language, LanguageAccept).best_match(
        ["en", "zh", "zh-CN", "zh-Hans", "zh-SG"]
    )
    return "zh_Hans" if best and best.startswith("zh") else "en"


@lru_cache(maxsize=16)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def selected_locale() -> Locale:
    """Flask-Babel's locale selector: a parsed ``Locale`` (Flask-Babel parses a string on every
    request — a file-system check and ~50 µs each; a Locale it takes as it is)."""
    return _parsed(current_locale())


def html_lang() -> str:
    return "zh-Hans" if current_locale() == "zh_Hans" else "en"
