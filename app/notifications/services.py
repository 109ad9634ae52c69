"""Notify a user: an in-app notification (the bell) and an e-mail, in the caller's transaction."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.routing import BuildError

from app import pagecache
from app.auth.models import User
from app.db_types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.models import Notification
from app.text import clean_text

PER_PAGE = 25


def notify(*, user_id: int, kind: str, text: str, link: str) -> Notification:
    """Store a notification for ``user_id`` and queue its e-mail (sent after commit)."""
    notification = Notification(
        user_id=user_id, kind=kind[:32], text=clean_text(text, 2000), link=link[:300] or "/"
    )
    db.session.add(notification)
    pagecache.mark_viewer_changed(db.session, user_id)  # their badge moves once this commits
    user = db.session.get(User, user_id)
    if user is not None and not user.is_disabled:
        body = _(
            "%(text)s\n\nOpen it on KOL Market: %(url)s",
            text=notification.text,
            url=_absolute(link),
        )
        queue_mail(recipient=user.email, subject=notification.text[:120], body=body)
    db.session.flush()
    return notification


def _absolute(link: str) -> str:
    """An absolute link where the site's address is known (a request or SERVER_NAME)."""
    try:
        return url_for("main.home", _external=True).rstrip("/") + link
    except (RuntimeError, BuildError):
        return link


def unread_count(user_id: int) -> int:
    """How many notifications the user has not read (one COUNT on an index)."""
    stmt = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return db.session.scalar(stmt) or 0


def notifications_page(*, user_id: int, page: int, unread_only: bool = False):
    """A page of the user's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return db.paginate(
        stmt.order_by(Notification.id.desc()), page=page, per_page=PER_PAGE, error_out=False
    )


def mark_read(*, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; another user's answers 404."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(*, user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
