"""The double-entry ledger: the source of truth for money; Stripe is reconciled against it."""

from app.ledger import models  # noqa: F401
