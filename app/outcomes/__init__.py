"""Outcome deals: settlements of commission and bonus from our own attribution, their
statements, and the KOL's promo codes."""

from app.outcomes import models  # noqa: F401
