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
from sqlalchemy import text

from app.auth.models import Role
from app.authz import PUBLIC, access
from app.extensions import db, talisman
from app.uploads import upload_root

bp = Blueprint("main", __name__)


@bp.get("/")
@access(PUBLIC)
def home():
    return render_template("main/home.html")


@bp.post("/lang/<code>")
@access(PUBLIC)
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    target = request.referrer or "/"
    return redirect(target if target.startswith(request.host_url) or target == "/" else "/")


# Uploaded files are served with a policy that forbids them to run anything.
MEDIA_CSP = {"default-src": "'none'", "sandbox": ""}


@bp.get("/media/<name>")
@access(PUBLIC)
@talisman(content_security_policy=MEDIA_CSP)
def media(name: str):
    return send_from_directory(upload_root(), name, max_age=86400)


@bp.get("/media/private/<name>")
@access(Role.ADMIN)
@talisman(content_security_policy=MEDIA_CSP)
def private_media(name: str):
    response = send_from_directory(upload_root(private=True), name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/healthz")
@access(PUBLIC)
def healthz():
    checks = {"database": _database_state(), "redis": _redis_state()}
    healthy = checks["database"] == "ok" and checks["redis"] in {"ok", "disabled"}
    body = {"status": "ok" if healthy else "degraded", **checks}
    return jsonify(body), 200 if checks["database"] == "ok" else 503


def _database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except Exception:
        db.session.rollback()
        return "down"


def _redis_state() -> str:
    url = current_app.config["REDIS_URL"]
    if not url:
        return "disabled"
    from redis import Redis

    try:
        Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return "ok"
    except Exception:
        return "down"
