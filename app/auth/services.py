"""Account services: registration, sign-in checks, passwords, disabling, API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from app import key_cache
from app.auth.models import ApiKey, Role, User
from app.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    spend_a_verification,
    verify_password,
)
from app.db_types import utcnow
from app.errors import DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.links import absolute_url
from app.mail.services import queue_mail
from app.orgs.acting import team_facts
from app.profiles.services import create_profile_for
from app.text import clean_text
from app.timezones import valid_zone

API_KEY_PREFIX = "kol_"
AGENCY = "agency"  # registers a brand-side account that owns a new agency


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(*, email: str, password: str, role: Role, locale: str | None = None) -> User:
    """Create an account of any role after checking the e-mail and password rules."""
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if find_user_by_email(email) is not None:
        errors["email"] = [_("An account with this e-mail already exists.")]
    problem = password_problem(password)
    if problem:
        errors["password"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, password_hash=hash_password(password), role=role, locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def register_user(
    *,
    email: str,
    password: str,
    role: str,
    name: str,
    locale: str | None,
    time_zone: str | None = None,
) -> User:
    """Self-registration: brands, KOLs and shoppers; staff accounts come from the CLI."""
    if role == AGENCY:
        return _register_agency(email=email, password=password, name=name, locale=locale,
                                time_zone=time_zone)  # fmt: skip
    try:
        chosen = Role(role)
    except ValueError:
        chosen = None
    if chosen not in Role.self_registered():
        raise ValidationFailed({"role": [_("Choose brand, agency, KOL or shopper.")]})
    user = create_user(email=email, password=password, role=chosen, locale=locale)
    user.time_zone = valid_zone(time_zone)  # the browser's guess, when it is a zone we know
    create_profile_for(user=user, name=name)
    return user


def _register_agency(
    *, email: str, password: str, name: str, locale: str | None, time_zone: str | None
) -> User:
    """An agency's owner: a brand-side account with no brand of its own, acting for the
    brands that grant the agency access (app/orgs)."""
    from app.orgs.services import create_agency  # orgs builds on accounts: imported late

    name = clean_text(name, 120)
    if not name:
        raise ValidationFailed({"name": [_("Enter a name.")]})
    user = create_user(email=email, password=password, role=Role.BRAND, locale=locale)
    user.time_zone = valid_zone(time_zone)
    create_agency(owner_id=user.id, name=name)
    return user


def authenticate(*, email: str, password: str) -> User | None:
    """The user for these credentials, or None; disabled accounts cannot sign in."""
    user = find_user_by_email(email)
    if user is None:
        spend_a_verification(password)
        return None
    if not verify_password(user.password_hash, password) or user.is_disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the configured cost from now on
    user.last_login_at = utcnow()
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: "id:version"; an old version or a disabled account ends it."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdecimal() or not version.isdecimal():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_disabled or user.session_version != int(version):
        return None
    return user


def end_sessions(*, user_id: int) -> None:
    """Sign-out: session cookies are signed, not stored, so a copy of one cannot be recalled;
    moving the account's session version on makes every copy (and "keep me signed in") stale."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_version += 1


def change_password(*, user_id: int, current: str, new: str) -> User:
    """Change a password; every other session of the account ends."""
    user = db.session.get(User, user_id)
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current_password": [_("The current password is not right.")]})
    _set_password(user, new, field="new_password")
    return user


def _set_password(user: User, new: str, *, field: str) -> None:
    problem = password_problem(new)
    if problem:
        raise ValidationFailed({field: [problem]})
    user.password_hash = hash_password(new)
    user.session_version += 1


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def request_password_reset(*, email: str) -> None:
    """Mail a reset link when the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.is_disabled:
        return
    token = _reset_serializer().dumps({"uid": user.id, "v": user.session_version})
    # The configured address, never the request's Host: a forged Host would mail the victim a
    # link (with their token) to another site.
    link = absolute_url(url_for("auth.reset_password", token=token))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    body = _(
        "Someone asked to reset the password of your KOL Market account.\n\n"
        "Open this link within %(minutes)d minutes to choose a new one:\n%(link)s\n\n"
        "If it was not you, ignore this mail; your password stays as it is.",
        minutes=minutes,
        link=link,
    )
    queue_mail(recipient=user.email, subject=_("Reset your password"), body=body)


def reset_password(*, token: str, new: str) -> User:
    """Set a new password from a mailed token; the token works once."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This reset link has expired. Ask for a new one."), code="expired")
    except BadSignature:
        raise DomainError(_("This reset link is not valid."), code="invalid_token")
    user = db.session.get(User, data.get("uid"))
    if user is None or user.session_version != data.get("v") or user.is_disabled:
        raise DomainError(_("This reset link was already used."), code="invalid_token")
    _set_password(user, new, field="password")
    return user


def set_account_disabled(*, user_id: int, disabled: bool, reason: str | None = None) -> User:
    """Disable or re-enable an account; a disabled account's sessions end at once."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    user.is_disabled = disabled
    user.disabled_reason = ((reason or "").strip()[:500] or None) if disabled else None
    if disabled:
        user.session_version += 1  # every session of the account ends on its next request
    return user


def set_time_zone(*, user_id: int, time_zone: str) -> None:
    if valid_zone(time_zone) is None:
        raise ValidationFailed({"time_zone": [_("Choose a time zone from the list.")]})
    db.session.get(User, user_id).time_zone = time_zone


def set_locale(*, user_id: int, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed({"locale": [_("Choose a language from the list.")]})
    db.session.get(User, user_id).locale = locale


def _hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, user_id: int, name: str) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": [_("Give the key a name.")]})
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=user_id, name=name[:80], prefix=secret[:12], key_hash=_hash_key(secret))
    db.session.add(key)
    db.session.flush()
    return key, secret


def list_api_keys(*, user_id: int) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.id.desc())
    return list(db.session.scalars(stmt))


def revoke_api_key(*, user_id: int, key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise NotFound(_("No such API key."))
    key.revoked_at = key.revoked_at or utcnow()
    return key


def user_for_api_key(secret: str) -> tuple[User, dict | None] | None:
    """The active owner of an active key and their team facts (app/orgs/acting.py
    ``team_facts``), or None. With Redis a key seen in the last minute costs no query
    (app/key_cache.py ``api_caller``: dropped when the key is revoked or the account or its
    membership changes)."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    key_hash = _hash_key(secret)
    loaded: list[User] = []

    def load() -> dict | None:
        user = _owner_of_active_key(key_hash)
        if user is None:
            return None
        loaded.append(user)
        return _caller_fields(user)

    caller = key_cache.api_caller(key_hash, load)
    if caller is None:
        return None
    return (loaded[0] if loaded else _attached_user(caller)), caller.get("team")


def _owner_of_active_key(key_hash: str) -> User | None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))
    if key is None or not key.is_active:
        return None
    user = db.session.get(User, key.user_id)
    if user is None or user.is_disabled:
        return None
    now = utcnow()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        key.last_used_at = now  # at most one write a minute per key
    return user


# The account's columns an API request may read without loading it (not the password hash:
# read, it is loaded as any expired attribute is).
_CALLER_COLUMNS = ("id", "email", "role", "locale", "time_zone", "is_disabled",
                   "disabled_reason", "session_version", "created_at", "last_login_at")  # fmt: skip
_CALLER_TIMES = ("created_at", "last_login_at")


def _caller_fields(user: User) -> dict:
    fields = {name: getattr(user, name) for name in _CALLER_COLUMNS}
    fields["role"] = user.role.value
    fields["team"] = team_facts(user.id) if user.role == Role.BRAND else None
    for name in _CALLER_TIMES:
        fields[name] = fields[name].isoformat() if fields[name] is not None else None
    return fields


def _attached_user(fields: dict) -> User:
    """The account as kept, in the session as if loaded (SQLAlchemy's recipe for cached
    objects: no query; what is not kept loads on first use)."""
    in_session = db.session.identity_map.get(identity_key(User, fields["id"]))
    if in_session is not None:
        return in_session
    values = dict(fields, role=Role(fields["role"]))
    values.pop("team", None)
    for name in _CALLER_TIMES:
        values[name] = datetime.fromisoformat(values[name]) if values[name] else None
    user = User(**values)
    make_transient_to_detached(user)
    db.session.add(user)
    return user
