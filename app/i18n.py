"""Which language a page is shown in: the user's choice, the visitor's ``lang`` cookie (or an
older session's choice), or the browser's."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user

# A display preference set by GET /lang/<code> (app/main.py): reading it needs no session, so an
# anonymous visitor of a public page gets no session cookie.
LANG_COOKIE = "lang"


def current_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI and jobs
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if request.cookies.get(LANG_COOKIE) in languages:
        return request.cookies[LANG_COOKIE]
    if session.get("locale") in languages:
        return session["locale"]
    best = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-Hans", "zh-SG"])
    return "zh_Hans" if best and best.startswith("zh") else "en"


def html_lang() -> str:
    return "zh-Hans" if current_locale() == "zh_Hans" else "en"
