"""Every kind of notification and the words it is read in: one registry, rendered when read.

A notification is stored as its kind and the facts it is about (ids, titles, amounts as minor
units beside their currency), never as words: who caused the event and the language they used
do not matter, the reader's language does (the bell and the page in the reader's locale, the
e-mail in the recipient's stored language). Rows stored before migration 0019 have no params
and keep the words they were stored with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.money import format_money
from app.timezones import day

MESSAGES: dict[str, LazyString] = {
    # bids
    "bid.new": _l("New bid of %(price)s on “%(title)s”."),
    "bid.updated": _l("A bid on “%(t)s” was updated."),
    "bid.withdrawn": _l("A bid on “%(t)s” was withdrawn."),
    "bid.counter": _l("Counter-offer of %(price)s on “%(title)s”."),
    "bid.rejected": _l("Your bid on “%(t)s” was declined."),
    "bid.declined": _l("The KOL declined your counter-offer on “%(t)s”."),
    "bid.accepted": _l("Deal agreed on “%(t)s” at %(p)s."),
    "invitation": _l("You are invited to bid on “%(title)s”."),
    # contracts
    "contract.message": _l("New message on contract #%(id)d."),
    "contract.rated": _l("You were rated %(n)d/5 on contract #%(id)d."),
    "contract.funded": _l(
        "Contract #%(id)d on “%(title)s” is funded: the money is held for you, start on the note."
    ),
    "contract.paid": _l(
        "Your payment of %(amount)s for contract #%(id)d went through: the contract is funded."
    ),
    "contract.cancelled": _l("Contract #%(id)d on “%(title)s” was cancelled."),
    "contract.cancelled_reason": _l("Contract #%(id)d on “%(title)s” was cancelled: %(reason)s"),
    "contract.expired": _l(
        "Contract #%(id)d on “%(title)s” was cancelled: it was not funded before the deadline."
    ),
    "dispute.opened": _l("A dispute was opened on contract #%(id)d: %(reason)s"),
    "dispute.resolved": _l(
        "The dispute on contract #%(id)d was resolved: %(refund)s back to the brand, "
        "%(release)s released to the KOL. %(reason)s"
    ),
    # notes
    "note_submitted": _l("A note was submitted for review: %(title)s"),
    "note_approved": _l("Your note was approved and published: %(title)s"),
    "changes_requested": _l("The brand asked for changes to your note: %(title)s"),
    "extra_round_asked": _l("The brand asks for an extra revision round: %(title)s"),
    "extra_round_agreed": _l("The KOL agreed to an extra revision round: %(title)s"),
    "extra_round_declined": _l(
        "The KOL declined an extra revision round; an admin will resolve the contract."
    ),
    "takedown_requested": _l("The KOL asks to take down a note during keep-live: %(title)s"),
    "takedown_agreed": _l("The brand agreed: your note was taken down: %(title)s"),
    "takedown_refused": _l("The brand asks you to keep your note live: %(title)s"),
    "keep_live_breach": _l("A note was taken down before the keep-live period ended: %(title)s"),
    # webhooks
    "webhook.disabled": _l(
        "Your webhook endpoint %(url)s was disabled: every delivery failed for about a day."
    ),
    # verification
    "verification.approved": _l("Your account is verified: you can bid on campaigns now."),
    "verification.rejected": _l("Your verification request was rejected: %(reason)s"),
    # money
    "payout.onboarding": _l(
        "A payout of %(amount)s is waiting for you: finish setting up your payout account "
        "to receive it."
    ),
    "payout.tax_details": _l(
        "A payout of %(amount)s is waiting for you: give your tax details (tax residence and "
        "tax id) to receive it."
    ),
    "payout.paid": _l("A payout of %(amount)s for contract #%(contract)d was sent to you."),
    # outcome settlements (issue 21): both sides, with a link to the statement
    "licence.ending": _l(
        "The usage licence on contract #%(id)d ends on %(date)s: after that the note may no "
        "longer be reused."
    ),
    "licence.bought": _l(
        "The brand bought a usage licence for your note on contract #%(id)d: %(amount)s is on "
        "its way to you."
    ),
    "outcome.settled": _l(
        "Settlement %(n)d of contract #%(contract)d: %(amount)s of commission and bonus released."
    ),
    "outcome.final": _l(
        "Final settlement of contract #%(contract)d: %(amount)s released, %(refunded)s of the "
        "cap refunded to the brand."
    ),
    "payout.failed": _l(
        "The payout of %(amount)s for contract #%(contract)d failed; our finance team is on it."
    ),
    "payout.failed_finance": _l(
        "Payout #%(payout)d of %(amount)s (contract #%(contract)d) was refused by Stripe: "
        "retry it or decide what to do."
    ),
    "payout.reversed": _l(
        "%(amount)s of your payout for contract #%(contract)d was taken back; it is owed to "
        "you again and our finance team will pay it."
    ),
    "transfer_reversed": _l(
        "Transfer %(transfer)s of payout #%(payout)d (contract #%(contract)d) was reversed: "
        "%(amount)s came back from the KOL and is payable to them again. Pay it again or post "
        "a correcting entry."
    ),
    "refund.succeeded": _l("%(amount)s was refunded to you for contract #%(contract)d."),
    "refund.failed": _l(
        "The refund of %(amount)s for contract #%(contract)d failed; our finance team will "
        "retry it."
    ),
    "refund_failed": _l("Stripe refused the refund of contract #%(contract)d: %(error)s"),
    "chargeback": _l("Chargeback %(id)s on contract #%(contract)d: the contract is frozen."),
    # analytics anomalies
    "engagement.burst": _l(
        "A burst of engagement from new accounts on “%(title)s”: %(count)d likes, saves or "
        "follows in the last hours. It is flagged and left out of trending and recommendations."
    ),
}

# Which area of a brand's work each kind is about (app/orgs/permissions.py): a brand team member
# is told of it when their role uses that area in full. Kinds not listed are "operate" (bids,
# contracts, notes, disputes, webhooks, licences ending).
KIND_AREAS: dict[str, str] = {
    "contract.paid": "money",
    "contract.funded": "money",
    "refund.succeeded": "money",
    "refund.failed": "money",
    "refund_failed": "money",
    "chargeback": "money",
    "licence.bought": "money",
    "transfer_reversed": "money",
    "outcome.settled": "money",
    "outcome.final": "money",
    "engagement.burst": "analytics",
}

EMAIL_BODY = _l("%(text)s\n\nOpen it on KOL Market: %(url)s")


def money(amount: int, currency: str) -> dict[str, Any]:
    """An amount for params: integer minor units beside the currency (formatted when read)."""
    return {"amount": int(amount), "currency": currency.lower()}


def day_of(moment: datetime) -> dict[str, str]:
    """A moment for params whose calendar day is shown in the reader's time zone when read."""
    return {"day": moment.isoformat()}


def _value(value: Any) -> Any:
    """A param as the reader sees it: money in the reader's locale, a day in the reader's time
    zone, the rest as stored."""
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return format_money(value["amount"], value["currency"])
    if isinstance(value, dict) and set(value) == {"day"}:
        return day(datetime.fromisoformat(value["day"]))
    return value


def render(kind: str, params: dict | None, text: str | None = None) -> str:
    """The words of a notification in the current locale (``force_locale`` for an e-mail).

    A row without params (stored before 0019) or of a kind no longer known reads as stored."""
    template = MESSAGES.get(kind)
    if params is None or template is None:
        return text or kind
    try:
        return str(template) % {key: _value(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):
        return text or kind
