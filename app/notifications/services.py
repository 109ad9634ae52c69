"""Notify a user: an in-app notification (the bell) and an e-mail, in the caller's transaction.

Stored as a code with parameters (messages.py), rendered in the reader's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app import pagecache
from app.auth.models import Role, User
from app.db_types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.mail.services import queue_mail
from app.notifications.messages import EMAIL_BODY, KIND_AREAS, MESSAGES, render
from app.notifications.models import Notification
from app.orgs.permissions import FULL, OPERATE

PER_PAGE = 25


def notify(*, user_id: int, kind: str, link: str, **params) -> Notification:
    """Store a notification for ``user_id`` as its kind and facts (``params``: ids, titles,
    amounts from ``messages.money``) and queue its e-mail in the recipient's own language
    (sent after commit). The bell and the page render it again in the reader's language.
    A brand account's team members get their own copy when their role covers the kind's area
    (``members_to_tell``): one each, the account itself once."""
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}: add it to messages.MESSAGES")
    user = db.session.get(User, user_id)
    notification = _deliver(user_id, user, kind, link, params)
    if user is not None and user.role == Role.BRAND:
        for member in members_to_tell(brand_id=user_id, kind=kind):
            _deliver(member.id, member, kind, link, params)
    db.session.flush()
    return notification


def _deliver(user_id: int, user: User | None, kind: str, link: str, params: dict) -> Notification:
    notification = Notification(user_id=user_id, kind=kind, params=params, link=link[:300] or "/")
    db.session.add(notification)
    pagecache.mark_viewer_changed(db.session, user_id)  # their badge moves once this commits
    if user is not None and not user.is_disabled:
        with force_locale(recipient_locale(user)):
            text = render(kind, params)
            body = str(EMAIL_BODY) % {"text": text, "url": _absolute(link)}
        queue_mail(recipient=user.email, subject=text[:120], body=body)
    return notification


def members_to_tell(*, brand_id: int, kind: str) -> list[User]:
    """The people in ``brand_id``'s team, other than the account itself, whose role uses the
    area of ``kind`` in full (docs/using.md "Teams and agencies"): managers bids, notes and
    contracts; finance payments and refunds; analysts analytics; owners everything. One query."""
    from app.orgs.models import Membership, Organisation
    from app.orgs.permissions import GRANTS

    area = KIND_AREAS.get(kind, OPERATE)
    roles = [role for role, grants in GRANTS.items() if grants.get(area) == FULL]
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Organisation.brand_user_id == brand_id,
                Membership.removed_at.is_(None),
                Membership.role.in_(roles),
                User.id != brand_id,
            )
            .order_by(User.id)
        )
    )


def notify_finance(*, kind: str, link: str, **params) -> None:
    """Tell every finance user (each in their own language)."""
    for user_id in db.session.scalars(select(User.id).where(User.role == Role.FINANCE)).all():
        notify(user_id=user_id, kind=kind, link=link, **params)


def recipient_locale(user: User) -> str:
    """The language the user chose (at registration, in settings or with the language
    switch), else the site's default."""
    if user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _absolute(link: str) -> str:
    """An absolute link, in or outside a request (PUBLIC_BASE_URL, app/links.py)."""
    from app.links import absolute_url

    return absolute_url(link)


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
