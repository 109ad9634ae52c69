"""Shopper profiles: a display name, an avatar and interests from the category list; and the
public name of any account that engages (shoppers, KOLs and brands alike)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import ColumnElement, func, select
from werkzeug.datastructures import FileStorage
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.auth.models import User
from app.catalog import CATEGORIES
from app.engagement.models import ShopperProfile
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.forms import options
from app.profiles.forms import MultiCheckboxField
from app.profiles.models import BrandProfile, KolProfile
from app.text import clean_text
from app.uploads import save_image

NAME_MAX = 80


class ShopperProfileForm(FlaskForm):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(), Length(max=NAME_MAX)]
    )
    interests = MultiCheckboxField(
        _l("Interests"),
        choices=options(CATEGORIES),
        description=_l("Your feed shows new notes in these categories."),
    )
    avatar = FileField(_l("Avatar (JPEG, PNG or WebP)"))


def create_shopper_profile(*, user_id: int, display_name: str) -> ShopperProfile:
    profile = ShopperProfile(user_id=user_id, display_name=display_name[:NAME_MAX], interests=[])
    db.session.add(profile)
    return profile


def shopper_profile(user_id: int) -> ShopperProfile:
    profile = db.session.get(ShopperProfile, user_id)
    if profile is None:
        raise NotFound(_("No such shopper."))
    return profile


def update_shopper_profile(
    *,
    user_id: int,
    display_name: str,
    interests: list[str] | None,
    avatar: FileStorage | None = None,
) -> ShopperProfile:
    """Save a shopper's profile; every field is checked before anything changes."""
    profile = shopper_profile(user_id)
    errors: dict[str, list[str]] = {}
    name = clean_text(display_name, NAME_MAX)
    if not name:
        errors["display_name"] = [_("Enter a display name.")]
    chosen = sorted(set(interests or []))
    if any(code not in CATEGORIES for code in chosen):
        errors["interests"] = [_("Choose values from the list.")]
    if errors:
        raise ValidationFailed(errors)
    if avatar is not None and avatar.filename:
        profile.avatar = save_image(avatar, field="avatar")
    profile.display_name = name
    profile.interests = chosen
    return profile


def interests_of(user_id: int) -> list[str]:
    """A shopper's interests; KOLs and brands have none (their feed is who they follow)."""
    profile = db.session.get(ShopperProfile, user_id)
    return list(profile.interests or []) if profile is not None else []


def public_name_columns(user_id_column) -> tuple[ColumnElement, ColumnElement, list]:
    """(name, avatar, outer joins) for showing any engaging account in a list, in the same
    query as the rows: shoppers, KOLs and brands each have their own profile table."""
    joins = [
        (ShopperProfile, ShopperProfile.user_id == user_id_column),
        (KolProfile, KolProfile.user_id == user_id_column),
        (BrandProfile, BrandProfile.user_id == user_id_column),
    ]
    name = func.coalesce(
        ShopperProfile.display_name, KolProfile.display_name, BrandProfile.company_name, ""
    )
    avatar = func.coalesce(ShopperProfile.avatar, KolProfile.avatar, BrandProfile.logo)
    return name, avatar, joins


def public_names(user_ids) -> dict[int, str]:
    """Display names of several accounts, one query whatever their number."""
    ids = set(user_ids)
    if not ids:
        return {}

    name, _avatar, joins = public_name_columns(User.id)
    stmt = select(User.id, name).where(User.id.in_(ids))
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return dict(db.session.execute(stmt).all())
