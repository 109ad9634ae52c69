"""Campaigns: a brand's paid brief, its targeting, and invitations to KOLs."""

from app.campaigns import models  # noqa: F401
