"""Sponsored notes: written by a KOL for a contract, reviewed by the brand, published here."""

from app.notes import models  # noqa: F401
