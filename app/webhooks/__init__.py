"""Outbound webhooks: a brand's endpoints receive signed events about its deals (issue 22)."""

from app.webhooks import delivery, models  # noqa: F401  (delivery registers its job)
