"""The home page, the language switch, uploaded media, and the health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask_login import current_user

from app.auth.models import Role
from app.authz import PUBLIC, access
from app.extensions import db, talisman
from app.i18n import LANG_COOKIE
from app.observability.health import health
from app.text import local_path
from app.uploads import STORED_NAME, upload_root

bp = Blueprint("main", __name__)
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.get("/")
@access(PUBLIC)
def home():
    return render_template("main/home.html")


@bp.post("/lang/<code>")
@access(PUBLIC)
def set_language(code: str):
    """The signed-in form (with CSRF): the choice is also stored on the account."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    target = request.referrer or "/"
    response = redirect(target if target.startswith(request.host_url) or target == "/" else "/")
    return _remember_language(response, code)


@bp.get("/lang/<code>")
@access(PUBLIC)
def switch_language(code: str):
    """The anonymous visitor's language link. A GET without CSRF on purpose: like ``?hl=`` on
    big sites it changes only a display preference (a ``lang`` cookie, no session, no account),
    so a forged link can do no more than show a page in the other language; the signed-in
    POST form keeps CSRF because it writes to the account. ``next`` must be a path on this
    site (app/text.py ``local_path``); anything else goes home."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    return _remember_language(redirect(local_path(request.args.get("next")) or "/"), code)


def _remember_language(response, code: str):
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=LANG_COOKIE_SECONDS,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


# Uploaded files are served with a policy that forbids them to run anything.
MEDIA_CSP = {"default-src": "'none'", "sandbox": ""}


@bp.get("/media/<name>")
@access(PUBLIC)
@talisman(content_security_policy=MEDIA_CSP)
def media(name: str):
    if not STORED_NAME.fullmatch(name):
        abort(404)
    return send_from_directory(upload_root(), name, max_age=86400)


@bp.get("/media/private/<name>")
@access(Role.ADMIN)
@talisman(content_security_policy=MEDIA_CSP)
def private_media(name: str):
    if not STORED_NAME.fullmatch(name):
        abort(404)
    response = send_from_directory(upload_root(private=True), name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/healthz")
@access(PUBLIC)
def healthz():
    """Which dependency is down (app/observability/health.py); 503 only without a database."""
    body, status = health()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
