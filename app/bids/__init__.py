"""Bids and counter-offers between a KOL and a brand on a campaign."""

from app.bids import models  # noqa: F401
