"""Brand and KOL profiles, social accounts, and KOL verification."""

from app.profiles import models  # noqa: F401
