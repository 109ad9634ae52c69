"""Named, revocable share links to a KOL's media kit.

A link is a random token in the URL (``/k/<token>``), stored with its name, when it was last
viewed and how often; revoking it makes the page answer 404. The token is a read-only link the
KOL hands out, not a credential, so it is stored as is and the KOL can copy it again. Links of
the earlier scheme (a signed KOL id) match no stored token and answer 404 like a revoked link.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.analytics.models import MediaKitLink
from app.db_types import utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.text import clean_text

MAX_ACTIVE_LINKS = 20
TOKEN_BYTES = 24  # 32 URL-safe characters


class MediaKitLinkForm(FlaskForm):
    name = StringField(_l("Link name"), validators=[DataRequired(), Length(max=80)])


def create_link(*, kol_id: int, name: str) -> MediaKitLink:
    """A new share link named for whom it is meant (e.g. a brand)."""
    name = clean_text(name, 80)
    if not name:
        raise ValidationFailed(
            {"name": [_("Give the link a name, e.g. the brand you send it to.")]}
        )
    active = db.session.scalar(
        select(func.count())
        .select_from(MediaKitLink)
        .where(MediaKitLink.kol_id == kol_id, MediaKitLink.revoked_at.is_(None))
    )
    if active >= MAX_ACTIVE_LINKS:
        raise ValidationFailed(
            {"name": [_("At most %(n)d active links: revoke one first.", n=MAX_ACTIVE_LINKS)]}
        )
    link = MediaKitLink(kol_id=kol_id, name=name, token=secrets.token_urlsafe(TOKEN_BYTES))
    db.session.add(link)
    db.session.flush()
    return link


def links_of(kol_id: int) -> list[MediaKitLink]:
    """The KOL's links, active first, newest first."""
    return list(
        db.session.scalars(
            select(MediaKitLink)
            .where(MediaKitLink.kol_id == kol_id)
            .order_by(MediaKitLink.revoked_at.is_not(None), MediaKitLink.id.desc())
        )
    )


def revoke_link(*, kol_id: int, link_id: int) -> MediaKitLink:
    """Stop a link working (idempotent); another KOL's link is 404."""
    link = db.session.get(MediaKitLink, link_id)
    if link is None or link.kol_id != kol_id:
        raise NotFound(_("No such link."))
    link.revoked_at = link.revoked_at or utcnow()
    return link


def open_link(token: str) -> int | None:
    """The KOL id behind an active link (its view noted), or None: unknown, revoked, or a
    token of the old signed scheme."""
    if not token or len(token) > 64:
        return None
    row = db.session.execute(
        select(MediaKitLink.id, MediaKitLink.kol_id).where(
            MediaKitLink.token == token, MediaKitLink.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    db.session.execute(
        update(MediaKitLink)
        .where(MediaKitLink.id == row.id)
        .values(last_viewed_at=utcnow(), views=MediaKitLink.views + 1)
    )
    return row.kol_id
