"""Recommendations from behaviour: For you, related notes, and KOLs like the ones that sold."""

from app.recommend import models  # noqa: F401
