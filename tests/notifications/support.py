"""What a user was told (bell and e-mail), for the notification tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.mail.models import Mail
from app.notifications.models import Notification

CJK = re.compile(r"[\u4e00-\u9fff]")


def speaks(user: User, locale: str) -> User:
    """The user chose ``locale`` (as the language switch or settings store it)."""
    user.locale = locale
    db.session.commit()
    return user


def told(user: User, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def mails(user: User) -> list[Mail]:
    return list(
        db.session.scalars(select(Mail).where(Mail.recipient == user.email).order_by(Mail.id))
    )


def mailed_in(user: User, locale: str, *needles: str) -> Mail:
    """The one e-mail whose subject holds every needle, written in ``locale``."""
    [mail] = [m for m in mails(user) if all(n in m.subject for n in needles)]
    assert bool(CJK.search(mail.subject)) == (locale == "zh_Hans"), mail.subject
    assert bool(CJK.search(mail.body)) == (locale == "zh_Hans"), mail.body
    return mail
