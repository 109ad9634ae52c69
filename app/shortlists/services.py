"""Shortlists: create, rename, delete, add and remove KOLs, invite a whole list to a campaign.

Each service takes ids and plain values, checks that the brand owns the list (anyone else's is
404, as if it did not exist), flushes and never commits; the web pages and the API call them.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.campaigns.invitations import BulkInvitation, invite_kols
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.profiles.models import KolProfile
from app.shortlists.models import Shortlist, ShortlistMember
from app.text import clean_text

NAME_MAX = 80
MAX_SHORTLISTS = 100  # per brand
MAX_MEMBERS = 500  # per shortlist: one bulk invitation stays one short transaction


def shortlists_of(brand_id: int) -> list[Shortlist]:
    """The brand's shortlists, by name (members come in one IN-load)."""
    stmt = select(Shortlist).where(Shortlist.brand_id == brand_id).order_by(Shortlist.name)
    return list(db.session.scalars(stmt))


def owned_shortlist(*, brand_id: int, shortlist_id: int) -> Shortlist:
    """The brand's own shortlist; anyone else's (or none) is 404."""
    shortlist = db.session.get(Shortlist, shortlist_id)
    if shortlist is None or shortlist.brand_id != brand_id:
        raise NotFound(_("No such shortlist."))
    return shortlist


def _clean_name(brand_id: int, name: str | None, keep_id: int | None = None) -> str:
    clean = clean_text(name, NAME_MAX)
    if not clean:
        raise ValidationFailed({"name": [_("Name the shortlist.")]})
    taken = select(Shortlist.id).where(Shortlist.brand_id == brand_id, Shortlist.name == clean)
    if db.session.scalar(taken) not in (None, keep_id):
        raise ValidationFailed({"name": [_("You already have a shortlist with this name.")]})
    return clean


def _flush_named(shortlist: Shortlist) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(shortlist)
    except IntegrityError:  # the same name saved at the same moment in another tab
        raise ValidationFailed(
            {"name": [_("You already have a shortlist with this name.")]}
        ) from None


def create_shortlist(*, brand_id: int, name: str | None) -> Shortlist:
    """A new, empty shortlist with a name the brand has not used yet."""
    clean = _clean_name(brand_id, name)
    count = select(func.count()).where(Shortlist.brand_id == brand_id)
    if (db.session.scalar(count) or 0) >= MAX_SHORTLISTS:
        raise Conflict(_("You have %(n)d shortlists: delete one first.", n=MAX_SHORTLISTS))
    shortlist = Shortlist(brand_id=brand_id, name=clean)
    _flush_named(shortlist)
    return shortlist


def shortlist_named(*, brand_id: int, name: str | None) -> Shortlist:
    """The brand's shortlist of that name, made now if there is none yet."""
    stmt = select(Shortlist).where(
        Shortlist.brand_id == brand_id, Shortlist.name == clean_text(name, NAME_MAX)
    )
    return db.session.scalar(stmt) or create_shortlist(brand_id=brand_id, name=name)


def rename_shortlist(*, brand_id: int, shortlist_id: int, name: str | None) -> Shortlist:
    shortlist = owned_shortlist(brand_id=brand_id, shortlist_id=shortlist_id)
    shortlist.name = _clean_name(brand_id, name, keep_id=shortlist.id)
    _flush_named(shortlist)
    return shortlist


def delete_shortlist(*, brand_id: int, shortlist_id: int) -> None:
    """Delete the list (the KOLs and any invitations already sent stay)."""
    db.session.delete(owned_shortlist(brand_id=brand_id, shortlist_id=shortlist_id))
    db.session.flush()


def add_kol(*, brand_id: int, shortlist_id: int, kol_id: int) -> bool:
    """Put a verified KOL on the list; False when they already were on it."""
    shortlist = owned_shortlist(brand_id=brand_id, shortlist_id=shortlist_id)
    kol = db.session.get(KolProfile, kol_id)
    if kol is None or not kol.is_verified:
        raise NotFound(_("No such verified KOL."))
    if kol_id in shortlist.kol_ids:
        return False
    if len(shortlist.members) >= MAX_MEMBERS:
        raise Conflict(_("A shortlist holds at most %(n)d KOLs.", n=MAX_MEMBERS))
    try:
        with db.session.begin_nested():
            shortlist.members.append(ShortlistMember(kol_id=kol_id))
            db.session.flush()
    except IntegrityError:  # added in another tab meanwhile
        db.session.expire(shortlist, ["members"])
        return False
    return True


def remove_kol(*, brand_id: int, shortlist_id: int, kol_id: int) -> None:
    shortlist = owned_shortlist(brand_id=brand_id, shortlist_id=shortlist_id)
    member = next((m for m in shortlist.members if m.kol_id == kol_id), None)
    if member is None:
        raise NotFound(_("This KOL is not on the shortlist."))
    shortlist.members.remove(member)
    db.session.flush()


def invite_shortlist(
    *, brand_id: int, shortlist_id: int, campaign_id: int, message: str = ""
) -> BulkInvitation:
    """Invite every KOL on the list to one of the brand's open campaigns: one invitation and
    one notification each; those invited before are not invited (or told) again."""
    shortlist = owned_shortlist(brand_id=brand_id, shortlist_id=shortlist_id)
    if not shortlist.members:
        raise Conflict(_("The shortlist is empty: save some KOLs to it first."))
    return invite_kols(
        brand_id=brand_id, campaign_id=campaign_id, kol_ids=shortlist.kol_ids, message=message
    )
