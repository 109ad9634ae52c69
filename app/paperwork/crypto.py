"""Tax ids at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the key from TAX_ID_ENCRYPTION_KEY.

Several comma-separated keys rotate: the first encrypts, every one decrypts. Outside production
an unset key is derived from SECRET_KEY with HKDF (never SECRET_KEY itself); production refuses
to start without a key of its own (app/__init__.py)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def key_problem(value: str | None) -> str | None:
    """Why a TAX_ID_ENCRYPTION_KEY value cannot be used, or None when it can."""
    keys = [k.strip() for k in (value or "").split(",") if k.strip()]
    if not keys:
        return "TAX_ID_ENCRYPTION_KEY must be set in production (a Fernet key)"
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            return "TAX_ID_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def _cipher() -> MultiFernet:
    configured = current_app.config.get("TAX_ID_ENCRYPTION_KEY") or ""
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        secret = str(current_app.config["SECRET_KEY"]).encode()
        derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"kol tax ids").derive(secret)
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str | None:
    """The plain text, or None when no configured key opens it (a lost or rotated-out key)."""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def masked(last4: str) -> str:
    """What pages show of a tax id: its last four characters."""
    return "•••• " + last4
