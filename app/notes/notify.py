"""Notifications about notes, with links that also build outside a request (the tick)."""

from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from app.notifications.services import notify

FALLBACK_PATHS = {
    "notes.review": "/notes/{note_id}/review",
    "notes.edit": "/contracts/{contract_id}/note",
}


def link_to(endpoint: str, **values: int) -> str:
    try:
        return url_for(endpoint, _external=False, **values)
    except (RuntimeError, BuildError):
        return FALLBACK_PATHS[endpoint].format(**values)


def notify_user(user_id: int, kind: str, title: str, endpoint: str, **values: int) -> None:
    """Tell ``user_id`` about a note event (the note's ``title`` is its one fact); the e-mail
    is sent after the caller commits."""
    notify(user_id=user_id, kind=kind, link=link_to(endpoint, **values), title=title)
