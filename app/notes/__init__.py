"""Sponsored notes: written by a KOL for a contract, reviewed by the brand, published here."""

# services registers the auto-approval tick with app.contracts.lifecycle.
from app.notes import models, services  # noqa: F401
