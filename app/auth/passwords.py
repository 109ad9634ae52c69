"""Password rules: hashed with scrypt, at least 8 characters, common passwords refused."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 1024  # long passphrases welcome; bounded so hashing cannot be abused
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("This password is too common; choose another.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=hash_method())


def hash_method() -> str:
    """The configured method and cost (PASSWORD_HASH_METHOD, e.g. "scrypt:32768:8:1")."""
    return current_app.config["PASSWORD_HASH_METHOD"]


def needs_rehash(password_hash: str) -> bool:
    """True when a stored hash was made with another method or cost than the configured one
    (werkzeug writes "method:params$salt$hash")."""
    return password_hash.partition("$")[0] != hash_method()


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser-not-a-password", method=method)


def spend_a_verification(password: str) -> None:
    """Check a password against a throwaway hash of the configured cost, so that an unknown
    e-mail costs a sign-in as much time as a wrong password."""
    check_password_hash(_dummy_hash(hash_method()), password)


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
