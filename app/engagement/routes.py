"""Note-page engagement: like, save (with a board), "bought it", follow.

Each action is a CSRF-protected form POST: without JavaScript it redirects back to the note
with a flash message; static/js/engagement.js sends the same form with ``Accept:
application/json`` and gets the viewer's new state instead. The note page itself is the same
HTML for everyone: the viewer's own state comes from ``state`` (one small JSON GET)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.authz import PUBLIC, access
from app.engagement import services
from app.engagement.pipeline import EngagementUnavailable
from app.engagement.services import ENGAGERS
from app.errors import DomainError, json_error
from app.extensions import db
from app.notes import queries

bp = Blueprint("engagement", __name__)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def _int(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) < 19 else None


def _note_url(note_id: int) -> str:
    note = queries.published_note(note_id)
    if note is None:
        return url_for("notes.explore")
    return url_for("notes.public", note_id=note.id, slug=note.slug)


def _respond(note_id: int, act, message: str):
    """Run an action; JSON state for fetch, or a flash and a redirect back to the note."""
    try:
        act()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        # The field's own words ("Save the note before…") rather than a generic summary.
        message = " ".join(m for ms in error.fields.values() for m in ms) or error.message
        if wants_json():
            headers = {"Retry-After": "5"} if isinstance(error, EngagementUnavailable) else {}
            body, status = json_error(error.status, error.code, message, error.fields)
            return body, status, headers
        if error.status in (404, 503):
            raise
        flash(message, "error")
        return redirect(_note_url(note_id))
    if wants_json():
        return jsonify(services.viewer_state(current_user, note_id))
    flash(message, "success")
    return redirect(_note_url(note_id))


@bp.get("/n/<int:note_id>/engagement")
@access(PUBLIC)
def state(note_id: int):
    """The viewer's own state on the note (liked, saved, board, bought, following, boards)."""
    note = queries.published_note(note_id)
    if note is None:
        return json_error(404, "not_found", _("The note does not exist or is not published."))
    # Counts for everyone: the page's HTML may be a cached copy (app/pagecache.py).
    counts = services.note_counts(note.id, note.kol_id)
    if not current_user.is_authenticated:
        login = url_for("auth.login", next=_note_url(note_id))
        return jsonify(signed_in=False, can_engage=False, login_url=login, counts=counts)
    if current_user.role not in ENGAGERS:
        return jsonify(signed_in=True, can_engage=False, counts=counts)
    return jsonify(signed_in=True, can_engage=True, **services.viewer_state(current_user, note_id))


@bp.get("/n/<int:note_id>/<any(like, save, bought, follow):action>")
@access(PUBLIC)
def back_to_note(note_id: int, action: str):
    """Where sign-in returns a visitor who clicked an action signed out: the note."""
    return redirect(_note_url(note_id))


@bp.post("/n/<int:note_id>/like")
@access(*ENGAGERS)
def like(note_id: int):
    if request.form.get("do") == "unlike":
        return _respond(note_id, lambda: services.unlike(current_user, note_id), _("Like removed."))
    return _respond(
        note_id, lambda: services.like(current_user, note_id), _("You liked this note.")
    )


@bp.post("/n/<int:note_id>/save")
@access(*ENGAGERS)
def save(note_id: int):
    if request.form.get("do") == "unsave":
        return _respond(
            note_id,
            lambda: services.unsave(current_user, note_id),
            _("Removed from your wishlist."),
        )

    def act():
        board_id = _int("board_id")
        new_board = (request.form.get("new_board") or "").strip()
        if new_board:
            board_id = services.create_board(current_user, new_board).id
        services.save(current_user, note_id, board_id, set_board=True)

    return _respond(note_id, act, _("Saved to your wishlist."))


@bp.post("/n/<int:note_id>/bought")
@access(*ENGAGERS)
def bought(note_id: int):
    return _respond(
        note_id, lambda: services.mark_bought(current_user, note_id), _("Marked as bought.")
    )


@bp.post("/n/<int:note_id>/follow")
@access(*ENGAGERS)
def follow(note_id: int):
    note = queries.published_note(note_id) or abort(404)
    kol_id = note.kol_id
    if request.form.get("do") == "unfollow":
        return _respond(
            note_id,
            lambda: services.unfollow(current_user, kol_id, note_id),
            _("You no longer follow this creator."),
        )
    return _respond(
        note_id,
        lambda: services.follow(current_user, kol_id, note_id),
        _("You follow this creator now."),
    )


@bp.app_errorhandler(EngagementUnavailable)
def _unavailable(error: EngagementUnavailable):
    """Neither Redis nor the database took the action: 503, retry shortly (API and pages)."""
    headers = {"Retry-After": str(error.retry_after)}
    if request.path.startswith("/api/") or wants_json():
        body, status = json_error(503, error.code, error.message)
        return body, status, headers
    return render_template("errors/error.html", status=503, message=error.message), 503, headers
