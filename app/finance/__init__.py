"""The finance console: dashboard, ledger explorer, payout queue, reconciliation against
Stripe, exports and the audit log. Reads the ledger; writes only corrections (new entries)."""

from app.finance import models, reconcile  # noqa: F401  models for Alembic, the reconcile job
from app.finance.services import is_closed_at
from app.ledger import services as _ledger

# The ledger refuses entries dated inside a closed period (see PERIOD_LOCKS there).
if is_closed_at not in _ledger.PERIOD_LOCKS:
    _ledger.PERIOD_LOCKS.append(is_closed_at)
