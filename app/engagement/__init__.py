"""Engagement on published notes: likes, saves (boards, "bought it"), follows, comments."""

from app.engagement import models  # noqa: F401
