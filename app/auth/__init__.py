"""Accounts, sign-in, password reset, settings and personal API keys."""

from app.auth import models  # noqa: F401
