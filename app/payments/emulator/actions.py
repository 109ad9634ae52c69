"""What people and banks do at Stripe, outside the API: a card holder paying on the hosted
Checkout page, a KOL finishing onboarding, Stripe processing refunds, a card issuer opening or
closing a dispute. The hosted pages and the tests call these; each runs in one emulator
transaction (`Emulator.transact`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import connect, payments, refunds
from .context import Ctx


class HumanActions:
    """Mixed into `Emulator`, whose `transact` runs each action."""

    transact: Callable[..., Any]

    def pay_checkout_session(
        self, session_id: str, card: str = payments.SUCCESS_CARD, email: str | None = None
    ) -> dict[str, Any]:
        """Pay as the hosted page does; a decline raises EmulatorError (type card_error)."""
        session = self.transact(lambda ctx: payments.pay_session(ctx, session_id, card, email))
        return copy.deepcopy(session)

    def settle_refunds(self) -> int:
        """Move pending refunds on as Stripe's processing would; returns how many changed."""
        return self.transact(refunds.settle_pending)

    def fail_refund(self, refund_id: str, reason: str = "expired_or_canceled_card") -> dict:
        """The issuer sends a refund back (e.g. the card was closed): ``refund.failed``."""
        refund = self.transact(lambda ctx: refunds.fail_refund(ctx, refund_id, reason))
        return copy.deepcopy(refund)

    def create_dispute(
        self, charge_id: str, amount: int | None = None, reason: str = "fraudulent"
    ) -> dict[str, Any]:
        dispute = self.transact(lambda ctx: payments.create_dispute(ctx, charge_id, amount, reason))
        return copy.deepcopy(dispute)

    def close_dispute(self, dispute_id: str, won: bool) -> dict[str, Any]:
        dispute = self.transact(lambda ctx: payments.close_dispute(ctx, dispute_id, won))
        return copy.deepcopy(dispute)

    def complete_onboarding(self, account_id: str, outcome: str = "active") -> dict[str, Any]:
        """Finish onboarding with the capabilities ``outcome`` ("active", "pending" while
        Stripe verifies, "inactive" when it wants more); call again to end the verification."""
        account = self.transact(lambda ctx: connect.complete_onboarding(ctx, account_id, outcome))
        return copy.deepcopy(account)

    def open_onboarding_link(self, token: str) -> tuple[str, dict[str, Any] | None]:
        state, link = self.transact(lambda ctx: connect.open_link(ctx, token))
        return state, copy.deepcopy(link)

    def submit_onboarding(self, token: str, nonce: str, action: str) -> str | None:
        return self.transact(lambda ctx: connect.submit_link(ctx, token, nonce, action))

    def checkout_view(self, session_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The session (expired if due) and its line items, for the hosted page."""

        def view(ctx: Ctx) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            session = payments.find_session(ctx, session_id)
            return session, ctx.store.private[session["id"]]["line_items"]

        return copy.deepcopy(self.transact(view))
