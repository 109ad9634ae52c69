"""What the system writes for later reading, rendered in the reader's language.

A status change's reason, a ledger entry's memo and why a payout waits are stored as the code of a fixed phrase with
its parameters in it — ``revision 3``, ``Transfer tr_1 to KOL`` — from the closed lists below,
so rows already written read the same way. Rendering looks the phrase up and translates it,
parameters kept (a parameter that is itself a code, such as a brief item or a payout stage, is
translated too). Anything not on a list was typed by a person (an admin's decision, a brand's
cancellation, a finance correction) and is shown as they wrote it.

tests/test_stored_text.py checks that every phrase the code writes is on a list, and renders
each in Chinese without English left in it."""

from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# The status-change reasons the system writes (app/status.py ``move(..., reason=...)``).
REASONS: dict[str, LazyString] = {
    "bid accepted": _l("bid accepted"),
    "note submitted": _l("note submitted"),
    "revision {n}": _l("revision %(n)s"),
    "approved by the brand": _l("approved by the brand"),
    "published on approval": _l("published on approval"),
    "review window passed": _l("review window passed: approved automatically"),
    "changes requested: {item}": _l("changes requested: %(item)s"),
    "changes requested (extra round agreed)": _l("changes requested (extra round agreed)"),
    "extra revision round declined": _l("extra revision round declined"),
    "taken down with the brand's consent": _l("taken down with the brand's consent"),
    "taken down by the KOL": _l("taken down by the KOL"),
    "keep-live breach": _l("taken down before the keep-live period ended"),
    "republished by the KOL": _l("republished by the KOL"),
    "released on approval": _l("released on approval"),
    "keep-live period ended": _l("keep-live period ended"),
    "refused by Stripe": _l("refused by Stripe"),
    "transfer {id}": _l("transfer %(id)s"),
    "retried": _l("retried"),
    "no payout account": _l("no payout account yet"),
    "no tax details": _l("no tax details yet"),
    "contract frozen (chargeback)": _l("contract frozen (chargeback)"),
    "payout account ready": _l("payout account ready"),
    "hold released": _l("hold released"),
    "Checkout link expired": _l("Checkout link expired"),
    "checkout.session.expired": _l("Checkout link expired"),
    "payment {id}": _l("payment %(id)s"),
    "payment succeeded": _l("payment succeeded"),
    "not funded before the deadline": _l("not funded before the deadline"),
    "chargeback {id}": _l("chargeback %(id)s"),
    "Stripe dispute {id}": _l("Stripe dispute %(id)s"),
    "transfer {id} reversed": _l("transfer %(id)s reversed"),
    "copy of campaign {id}": _l("copy of campaign #%(id)s"),
    "application deadline passed": _l("application deadline passed"),
}

# The memos the system writes on journal entries (app/ledger/services.py ``post(..., memo=...)``).
MEMOS: dict[str, LazyString] = {
    "Brand paid contract #{id}": _l("Brand paid contract #%(id)s"),
    "Stripe fee on {id}": _l("Stripe fee on %(id)s"),
    "Released to KOL ({stage})": _l("Released to the KOL (%(stage)s)"),
    "Transfer {id} to KOL": _l("Transfer %(id)s to the KOL"),
    "Refund to brand ({code})": _l("Refund to the brand (%(code)s)"),
    "Refund {id} sent": _l("Refund %(id)s sent"),
    "Refund {id} returned by the card issuer": _l("Refund %(id)s returned by the card issuer"),
    "Chargeback {id}: funds {movement}": _l("Chargeback %(id)s: funds %(movement)s"),
    "Chargeback {id} lost": _l("Chargeback %(id)s lost"),
    "Transfer {id} reversed ({reversal}): payable to the KOL again": _l(
        "Transfer %(id)s reversed (%(reversal)s): payable to the KOL again"
    ),
    "Commission and bonus earned (settlement {seq})": _l(
        "Commission and bonus earned (settlement %(seq)s)"
    ),
    "Commission released to KOL (settlement {seq})": _l(
        "Commission released to the KOL (settlement %(seq)s)"
    ),
}

# Why a payout waits or is held, as the system writes it on the payout (``Payout.last_error``,
# ``Payout.hold_reason``; app/payments/release.py). Stripe's own error messages and finance's
# typed hold reasons are shown as written.
PAYOUT_PROBLEMS: dict[str, LazyString] = {
    "no payout account": _l(
        "The KOL has no Stripe account that can receive transfers; the payout waits until they "
        "finish onboarding."
    ),
    "no tax details": _l(
        "The KOL has not given their tax details (tax residence and tax id); the payout waits "
        "until they do."
    ),
    "contract frozen (chargeback)": _l("contract frozen (chargeback)"),
}
# Rows written before these were codes held the English sentence: they read the same way.
_PAYOUT_PROBLEM_ALIASES = {
    "The KOL has no Stripe account that can receive transfers; the payout waits until they "
    "finish onboarding.": "no payout account",
    "The KOL has not given their tax details (tax residence and tax id); the payout waits "
    "until they do.": "no tax details",
}

# Journal entry kinds (app/ledger: ``post(kind=...)``).
ENTRY_KINDS: dict[str, LazyString] = {
    "funding": _l("Funding"),
    "stripe_fee": _l("Stripe fee"),
    "release": _l("Release"),
    "transfer": _l("Transfer"),
    "transfer_reversal": _l("Transfer reversed"),
    "transfer_reversed": _l("Transfer reversed: payable again"),
    "refund_claim": _l("Refund claimed"),
    "refund": _l("Refund"),
    "refund_failed": _l("Refund failed"),
    "refund_failure": _l("Refund returned"),
    "chargeback_funds": _l("Chargeback funds"),
    "chargeback_lost": _l("Chargeback lost"),
    "correction": _l("Correction"),
    "commission_earned": _l("Commission earned"),
    "commission_release": _l("Commission released"),
}

# The fixed items of a brief a change request can be about (app/notes/services.py); the
# campaign's hashtags and mentions are the brand's own words.
BRIEF_ITEMS: dict[str, LazyString] = {
    "brief": _l("The brief"),
    "images": _l("Images"),
    "video": _l("Video"),
    "disclosure": _l("Ad disclosure"),
    "other": _l("Something else"),
}

# Parameters that are codes themselves.
_PARAM_LABELS: dict[str, dict[str, LazyString]] = {
    "item": BRIEF_ITEMS,
    "stage": {
        "approval": _l("on approval"),
        "keep_live": _l("after the keep-live period"),
        "dispute": _l("by a dispute decision"),
    },
    "movement": {"withdrawn": _l("withdrawn"), "reinstated": _l("reinstated")},
}

_FIELD = re.compile(r"\\\{(\w+)\\\}")


@lru_cache(maxsize=8)
def _patterns(registry_name: str) -> list[tuple[re.Pattern, str]]:
    registry = REASONS if registry_name == "reasons" else MEMOS
    phrases = [phrase for phrase in registry if "{" in phrase]
    # The most specific first: "transfer {id} reversed" before "transfer {id}".
    phrases.sort(key=lambda phrase: len(_FIELD.sub("", re.escape(phrase))), reverse=True)
    return [
        (re.compile("^" + _FIELD.sub(r"(?P<\1>.+?)", re.escape(phrase)) + "$", re.S), phrase)
        for phrase in phrases
    ]


def _render(text: str | None, registry: dict[str, LazyString], name: str) -> str:
    if not text:
        return ""
    exact = registry.get(text)
    if exact is not None:
        return str(exact)
    for pattern, phrase in _patterns(name):
        match = pattern.match(text)
        if match:
            params = {
                key: str(_PARAM_LABELS.get(key, {}).get(value, value))
                for key, value in match.groupdict().items()
            }
            return str(registry[phrase]) % params
    return text  # typed by a person: as they wrote it


def reason_text(text: str | None) -> str:
    """A status change's reason in the reader's language."""
    return _render(text, REASONS, "reasons")


def memo_text(text: str | None) -> str:
    """A journal entry's memo in the reader's language."""
    return _render(text, MEMOS, "memos")


def payout_problem_text(text: str | None) -> str:
    """Why a payout waits or is held, in the reader's language (Stripe's and finance's own
    words as written)."""
    if not text:
        return ""
    label = PAYOUT_PROBLEMS.get(_PAYOUT_PROBLEM_ALIASES.get(text, text))
    return str(label) if label is not None else text


def entry_kind_label(kind: str) -> str:
    label = ENTRY_KINDS.get(kind)
    return str(label) if label is not None else kind.replace("_", " ")


def brief_item_label(item: str) -> str:
    label = BRIEF_ITEMS.get(item)
    return str(label) if label is not None else item


def is_system_phrase(text: str, registry: dict[str, LazyString]) -> bool:
    """Whether ``text`` is one of the registry's phrases (with any parameters)."""
    name = "reasons" if registry is REASONS else "memos"
    return text in registry or any(p.match(text) for p, _phrase in _patterns(name))
