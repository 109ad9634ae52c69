"""The finance console: dashboard, ledger explorer, payout queue, reconciliation against
Stripe, exports and the audit log. Reads the ledger; writes only corrections (new entries)."""

from app.finance import models, reconcile  # noqa: F401  models for Alembic, the reconcile job
