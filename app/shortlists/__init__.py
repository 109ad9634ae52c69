"""Shortlists: a brand's named lists of KOLs, compared side by side and invited at once."""

from app.shortlists import models  # noqa: F401
