"""Profile services: create on registration, edit, social accounts, verification."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, SOCIAL_PLATFORMS
from app.db_types import utcnow
from app.engagement.shoppers import create_shopper_profile
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.money import MoneyError, check_currency, parse_amount
from app.profiles import accounts
from app.profiles.models import (
    BrandProfile,
    KolLanguage,
    KolNiche,
    KolProfile,
    SocialAccount,
    Verification,
    VerificationRequest,
)
from app.text import clean_text, clean_url
from app.uploads import save_image


def create_profile_for(*, user: User, name: str) -> None:
    """The empty profile a new brand, KOL or shopper fills in next."""
    name = clean_text(name, 120)
    if not name:
        raise ValidationFailed({"name": [_("Enter a name.")]})
    if user.role == Role.BRAND:
        db.session.add(BrandProfile(user_id=user.id, company_name=name))
    elif user.role == Role.KOL:
        db.session.add(KolProfile(user_id=user.id, display_name=name))
    elif user.role == Role.SHOPPER:
        create_shopper_profile(user_id=user.id, display_name=name)
    db.session.flush()


def brand_profile(user_id: int) -> BrandProfile:
    profile = db.session.get(BrandProfile, user_id)
    if profile is None:
        raise NotFound(_("No such brand."))
    return profile


def kol_profile(user_id: int) -> KolProfile:
    profile = db.session.get(KolProfile, user_id)
    if profile is None:
        raise NotFound(_("No such KOL."))
    return profile


def _url_or_error(value: str | None, field: str, errors: dict) -> str | None:
    try:
        return clean_url(value)
    except ValueError:
        errors[field] = [_("Enter a full web address starting with https://")]
        return None


def _choice_or_error(value: str | None, allowed, field: str, errors: dict) -> str | None:
    if not value:
        return None
    if value not in allowed:
        errors[field] = [_("Choose a value from the list.")]
        return None
    return value


def _currency_or_error(value: str, field: str, errors: dict) -> str:
    try:
        return check_currency(value)
    except MoneyError:
        errors[field] = [_("Choose a supported currency.")]
        return "usd"


def update_brand_profile(
    *,
    user_id: int,
    company_name: str,
    website: str | None,
    industry: str | None,
    description: str | None,
    billing_country: str | None,
    currency: str,
    logo: FileStorage | None = None,
) -> BrandProfile:
    """Save a brand's profile; every field is checked before anything changes."""
    profile = brand_profile(user_id)
    errors: dict[str, list[str]] = {}
    name = clean_text(company_name, 120)
    if not name:
        errors["company_name"] = [_("Enter the company name.")]
    values = {
        "company_name": name,
        "website": _url_or_error(website, "website", errors),
        "industry": _choice_or_error(industry, CATEGORIES, "industry", errors),
        "description": clean_text(description, 5000) or None,
        "billing_country": _choice_or_error(billing_country, COUNTRIES, "billing_country", errors),
        "currency": _currency_or_error(currency, "currency", errors),
    }
    if errors:
        raise ValidationFailed(errors)
    if logo is not None and logo.filename:
        values["logo"] = save_image(logo, field="logo")
    for key, value in values.items():
        setattr(profile, key, value)
    return profile


def _amount_or_error(text: str | None, currency: str, field: str, errors: dict) -> int:
    if not text or not text.strip():
        return 0
    try:
        amount = parse_amount(text, currency)
    except MoneyError as error:
        errors[field] = [_("Enter an amount like 120 or 120.50 (%(why)s).", why=str(error))]
        return 0
    if amount < 0:
        errors[field] = [_("The price cannot be negative.")]
    return amount


def update_kol_profile(
    *,
    user_id: int,
    display_name: str,
    bio: str | None,
    niches: list[str],
    region: str | None,
    city: str | None,
    languages: list[str],
    rate_currency: str,
    rate_image: str | None,
    rate_video: str | None,
    avatar: FileStorage | None = None,
) -> KolProfile:
    """Save a KOL's profile and rate card (prices typed in major units, stored in minor)."""
    profile = kol_profile(user_id)
    errors: dict[str, list[str]] = {}
    name = clean_text(display_name, 120)
    if not name:
        errors["display_name"] = [_("Enter a display name.")]
    if any(n not in CATEGORIES for n in niches):
        errors["niches"] = [_("Choose niches from the list.")]
    if any(lang not in LANGUAGES for lang in languages):
        errors["languages"] = [_("Choose languages from the list.")]
    currency = _currency_or_error(rate_currency, "rate_currency", errors)
    values = {
        "display_name": name,
        "bio": clean_text(bio, 2000) or None,
        "region": _choice_or_error(region, COUNTRIES, "region", errors),
        "city": clean_text(city, 80) or None,
        "rate_currency": currency,
        "rate_image": _amount_or_error(rate_image, currency, "rate_image", errors),
        "rate_video": _amount_or_error(rate_video, currency, "rate_video", errors),
    }
    if errors:
        raise ValidationFailed(errors)
    if avatar is not None and avatar.filename:
        values["avatar"] = save_image(avatar, field="avatar")
    for key, value in values.items():
        setattr(profile, key, value)
    profile.niches = [KolNiche(niche=n) for n in sorted(set(niches))]
    profile.languages = [KolLanguage(language=lang) for lang in sorted(set(languages))]
    return profile


def add_social_account(
    *, user_id: int, platform: str, handle: str, followers: int, url: str | None
) -> SocialAccount:
    """Add a social account; it counts toward followers and tier once an admin checks it."""
    profile = kol_profile(user_id)
    errors: dict[str, list[str]] = {}
    if platform not in SOCIAL_PLATFORMS:
        errors["platform"] = [_("Choose a platform from the list.")]
    handle = clean_text(handle, 80).lstrip("@")
    if not handle:
        errors["handle"] = [_("Enter the handle.")]
    if not isinstance(followers, int) or followers < 0:
        errors["followers"] = [_("Enter a whole number of followers.")]
    clean = _url_or_error(url, "url", errors)
    if any(a.platform == platform and a.handle == handle for a in profile.social_accounts):
        errors["handle"] = [_("This account is already on your profile.")]
    if errors:
        raise ValidationFailed(errors)
    account = SocialAccount(platform=platform, handle=handle, followers=followers, url=clean)
    profile.social_accounts.append(account)
    accounts.ask_for_check(profile, account, back_to_queue=False)
    accounts.refresh_reach(profile)
    db.session.flush()
    return account


def update_social_account(*, user_id: int, account_id: int, followers: int) -> SocialAccount:
    """Change an account's follower count; a verified count changed goes back to an admin."""
    return accounts.change_followers(
        profile=kol_profile(user_id), account_id=account_id, followers=followers
    )


def remove_social_account(*, user_id: int, account_id: int) -> None:
    profile = kol_profile(user_id)
    account = next((a for a in profile.social_accounts if a.id == account_id), None)
    if account is None:
        raise NotFound(_("No such social account."))
    profile.social_accounts.remove(account)
    accounts.refresh_reach(profile)


def submit_verification(
    *, user_id: int, handles: str, screenshot: FileStorage | None
) -> VerificationRequest:
    """A KOL asks to be verified; one request waits at a time."""
    profile = kol_profile(user_id)
    if profile.verification == Verification.PENDING:
        raise Conflict(_("Your verification request is already waiting for review."))
    if profile.verification == Verification.VERIFIED:
        raise Conflict(_("You are already verified."))
    text = clean_text(handles, 2000)
    if not text:
        raise ValidationFailed({"handles": [_("List the accounts we should check.")]})
    name = None
    if screenshot is not None and screenshot.filename:
        name = save_image(screenshot, field="screenshot", private=True)
    request = VerificationRequest(kol_id=user_id, handles=text, screenshot=name)
    db.session.add(request)
    profile.verification = Verification.PENDING
    db.session.flush()
    return request


def decide_verification(
    *, request_id: int, admin_id: int, approve: bool, reason: str | None
) -> VerificationRequest:
    """An admin approves or rejects; a rejection carries a reason the KOL can read."""
    request = db.session.scalar(
        select(VerificationRequest)
        .where(VerificationRequest.id == request_id)
        .with_for_update(of=VerificationRequest)  # not the joined profile row
    )
    if request is None:
        raise NotFound(_("No such verification request."))
    if request.status != Verification.PENDING:
        raise Conflict(_("This request was already decided."))
    reason = clean_text(reason, 2000) or None
    if not approve and not reason:
        raise ValidationFailed({"reason": [_("Say why, so the KOL can fix it.")]})
    now = utcnow()
    request.status = Verification.VERIFIED if approve else Verification.REJECTED
    request.reason, request.decided_by, request.decided_at = reason, admin_id, now
    profile = kol_profile(request.kol_id)
    if approve:
        profile.verification, profile.verified_at = Verification.VERIFIED, now
        accounts.mark_checked(profile)
    elif profile.verification != Verification.VERIFIED:
        # A verified KOL whose new account was refused keeps the badge; that account stays
        # unchecked and uncounted.
        profile.verification, profile.verified_at = Verification.REJECTED, None
    _tell_decided(request)
    return request


def _tell_decided(request: VerificationRequest) -> None:
    """The KOL hears the decision (and a rejection's reason) in their own language."""
    from app.notifications.services import notify

    if request.status == Verification.VERIFIED:
        notify(user_id=request.kol_id, kind="verification.approved", link="/campaigns")
    else:
        notify(
            user_id=request.kol_id,
            kind="verification.rejected",
            link="/profile/verification",
            reason=request.reason,
        )


def latest_verification(user_id: int) -> VerificationRequest | None:
    stmt = (
        select(VerificationRequest)
        .where(VerificationRequest.kol_id == user_id)
        .order_by(VerificationRequest.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def pending_verifications() -> list[VerificationRequest]:
    stmt = (
        select(VerificationRequest)
        .where(VerificationRequest.status == Verification.PENDING)
        .order_by(VerificationRequest.id)
    )
    return list(db.session.scalars(stmt))
