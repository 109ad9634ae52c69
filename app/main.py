"""The home page (a visitor's front page, a signed-in person's workbench), the language switch,
uploaded media, and the health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from markupsafe import Markup

from app import media as media_files
from app import media_store
from app.auth.models import Role
from app.authz import PUBLIC, access
from app.extensions import db, talisman
from app.i18n import LANG_COOKIE
from app.observability.health import health
from app.text import local_path
from app.uploads import STORED_NAME, upload_root
from app.workbench.pages import workbench_response

bp = Blueprint("main", __name__)
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.get("/")
@access(PUBLIC)
def home():
    """A visitor's front page; a signed-in person's workbench (app/workbench/pages.py)."""
    landing = workbench_response()
    return landing if landing is not None else render_template("main/home.html")


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
    """An uploaded file as stored (videos by range requests). Names are never reused: cached
    for a year."""
    if not STORED_NAME.fullmatch(name):
        abort(404)
    if media_store.store().kind != "local":
        return _to_the_store(name)
    if not (upload_root() / name).is_file():
        abort(404)
    return media_files.send(upload_root(), name, cache=media_files.IMMUTABLE)


@bp.get("/media/<size>/<name>")
@access(PUBLIC)
@talisman(content_security_policy=MEDIA_CSP)
def media_sized(size: str, name: str):
    """An uploaded image in one of the pages' sizes (app/media.py), made on first request."""
    if not STORED_NAME.fullmatch(name) or size not in media_files.SIZES:
        abort(404)
    if media_store.store().kind != "local":
        return _to_the_store(f"{size}/{name}")
    path = media_files.sized_path(upload_root(), name, size) or abort(404)
    return media_files.send(path.parent.parent, f"{size}/{name}", cache=media_files.IMMUTABLE)


def _to_the_store(relative: str):
    """With an object store, a /media link (made before the switch, kept by a client) leads to
    the object; the link itself may change back, so it is cached for a day, not a year."""
    response = redirect(media_store.store().url(relative), code=302)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/media/private/<name>")
@access(Role.ADMIN)
@talisman(content_security_policy=MEDIA_CSP)
def private_media(name: str):
    root = upload_root(private=True)
    if not STORED_NAME.fullmatch(name) or not (root / name).is_file():
        abort(404)
    return media_files.send(root, name, cache=media_files.PRIVATE)


@bp.app_template_global()
def media_url(name: str, size: str | None = None) -> str:
    """The URL of a stored public file, or of one of its sizes: the app's /media, or the
    object in the store (app/media_store.py)."""
    return media_store.public_url(name, size)


@bp.app_template_global()
def media_dims(image, size: str) -> Markup:
    """``width``/``height`` attributes of a stored image (with ``width``/``height``) in
    ``size``, so the page keeps its place while the image loads; empty when unknown."""
    width, height = getattr(image, "width", None), getattr(image, "height", None)
    if not width or not height:
        return Markup("")
    w, h = media_files.fitted(width, height, size)
    return Markup('width="{}" height="{}"').format(w, h)


@bp.get("/healthz")
@access(PUBLIC)
def healthz():
    """Which dependency is down (app/observability/health.py); 503 only without a database."""
    body, status = health()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
