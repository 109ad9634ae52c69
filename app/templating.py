"""Template globals and filters: money, labels, the navigation of each role."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import pagecache, stored_text, timezones
from app.catalog import CATEGORIES, COUNTRIES, LANGUAGES, SOCIAL_PLATFORMS, TIER_LABELS
from app.i18n import current_locale, html_lang
from app.money import format_money
from app.orgs.acting import denial
from app.workbench.counts import nav_counts

# (endpoint, label) per role; the base layout renders the signed-in user's list.
VISITOR_NAVIGATION = [("notes.explore", _l("Explore")), ("campaigns.browse", _l("Campaigns"))]
NAVIGATION = {
    "brand": [
        ("campaigns.mine", _l("My campaigns")),
        ("campaigns.kol_search", _l("Find KOLs")),
        ("shortlists.index", _l("Shortlists")),
        ("bids.index", _l("Bids")),
        ("contracts.index", _l("Contracts")),
        ("notes.brand_list", _l("Notes")),
        ("notes.explore", _l("Explore")),
        ("profiles.edit", _l("Brand profile")),
        ("webhooks.index", _l("Webhooks")),
        ("payments.brand_payments", _l("Payments")),
        ("paperwork.invoices", _l("Invoices")),
        ("analytics.overview", _l("Analytics")),
        ("social.feed_page", _l("Feed")),
        ("social.wishlist", _l("Wishlist")),
    ],
    "kol": [
        ("campaigns.browse", _l("Campaigns")),
        ("campaigns.invitations", _l("Invitations")),
        ("bids.index", _l("My bids")),
        ("contracts.index", _l("Contracts")),
        ("notes.mine", _l("My notes")),
        ("notes.explore", _l("Explore")),
        ("profiles.edit", _l("My profile")),
        ("profiles.verification", _l("Verification")),
        ("payments.earnings", _l("Earnings")),
        ("analytics.media_kit", _l("Media kit")),
        ("social.feed_page", _l("Feed")),
        ("social.wishlist", _l("Wishlist")),
    ],
    "finance": [
        ("finance.dashboard", _l("Finance")),
        ("finance.ledger", _l("Ledger")),
        ("finance.payouts", _l("Payouts")),
        ("finance.reconciliation", _l("Reconciliation")),
        ("finance.audit", _l("Audit log")),
        ("paperwork.finance_paperwork", _l("Invoices")),
    ],
    "shopper": [
        ("social.feed_page", _l("Feed")),
        ("social.wishlist", _l("Wishlist")),
        ("notes.explore", _l("Explore")),
        ("profiles.edit", _l("My profile")),
    ],
    "admin": [
        ("admin.users", _l("Accounts")),
        ("admin.verifications", _l("Verifications")),
        ("payments.disputes", _l("Disputes")),
        ("admin.comment_reports", _l("Comments")),
        ("finance.dashboard", _l("Finance")),
    ],
}
# Less-used entries go under the top bar's "More" menu, so that a brand's or a KOL's bar fits
# one line at 1366 px in English and in Chinese (tests/browser/test_phone.py measures it).
MORE_NAVIGATION = {
    "brand": (
        "shortlists.index",
        "notes.explore",
        "profiles.edit",
        "webhooks.index",
        "paperwork.invoices",
        "social.feed_page",
        "social.wishlist",
    ),
    "kol": (
        "notes.explore",
        "profiles.edit",
        "profiles.verification",
        "analytics.media_kit",
        "social.feed_page",
        "social.wishlist",
    ),
}

ROLE_LABELS = {
    "brand": _l("Brand"),
    "kol": _l("KOL"),
    "finance": _l("Finance"),
    "admin": _l("Admin"),
    "shopper": _l("Shopper"),
}
STATUS_LABELS = {
    "unverified": _l("Not verified"),
    "pending": _l("Verification pending"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
}


PAYOUT_STATUS_LABELS = {
    "waiting_onboarding": _l("Waiting for payout account"),
    "staged": _l("Queued"),
    "processing": _l("Processing"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
    "on_hold": _l("On hold"),
    "reversed": _l("Reversed"),
}


def navigation() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return VISITOR_NAVIGATION
    entries = NAVIGATION.get(current_user.role.value, [])
    # A brand's team member sees what their role may open (app/orgs/permissions.py).
    return [e for e in entries if not denial(e[0], "GET")]


def navigation_groups() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The top bar's entries and those under its "More" menu (the phone menu lists both)."""
    more = MORE_NAVIGATION.get(current_user.role.value, ()) if current_user.is_authenticated else ()
    entries = navigation()
    return [e for e in entries if e[0] not in more], [e for e in entries if e[0] in more]


def may_open(endpoint: str) -> bool:
    """May this request's person open ``endpoint``'s page (a brand team member's role)?"""
    return not denial(endpoint, "GET")


def may_do(endpoint: str) -> bool:
    """May this request's person use ``endpoint``'s form or button (POST)? False for a brand
    team member whose role only reads that area (analyst; finance outside money), so pages hide
    what would answer 403. Routes not open to brands (sign-out, language, settings) stay."""
    from flask import current_app

    from app.authz import ACCESS_ATTR, BRAND

    view = current_app.view_functions.get(endpoint)
    if BRAND not in getattr(view, ACCESS_ATTR, ()):
        return True
    return not denial(endpoint, "POST")


def may_post(url: str) -> bool:
    """``may_do`` for a form's address (the ``post_button`` macro is given a URL)."""
    from flask import current_app

    try:
        endpoint, _ = current_app.url_map.bind("").match(url.split("?", 1)[0], method="POST")
    except Exception:
        return True
    return may_do(endpoint)


def simulated_payments() -> bool:
    from flask import current_app

    return "stripe_emulator" in current_app.extensions


def contract_url(contract_id: int) -> str:
    """The shared contract page."""
    from flask import url_for

    return url_for("contracts.detail", contract_id=contract_id)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["when"] = timezones.when  # a moment in the reader's time zone
    app.jinja_env.filters["day"] = timezones.day
    # What the system wrote for later reading, in the reader's language (app/stored_text.py).
    app.jinja_env.filters["reason"] = stored_text.reason_text
    app.jinja_env.filters["memo"] = stored_text.memo_text
    app.jinja_env.filters["payout_problem"] = stored_text.payout_problem_text
    app.jinja_env.filters["entry_kind"] = stored_text.entry_kind_label
    app.jinja_env.filters["brief_item"] = stored_text.brief_item_label
    app.jinja_env.globals.update(
        csrf_token=pagecache.csrf_token,  # Flask-WTF's, or a marker inside a cached page
        navigation=navigation,
        navigation_groups=navigation_groups,
        nav_counts=nav_counts,  # what waits behind each menu item (app/workbench/counts.py)
        simulated_payments=simulated_payments,
        may_open=may_open,
        may_do=may_do,  # a form or write button a team member's role may use
        may_post=may_post,
        contract_url=contract_url,
        current_locale=current_locale,
        html_lang=html_lang,
        CATEGORIES=CATEGORIES,
        COUNTRIES=COUNTRIES,
        LANGUAGES=LANGUAGES,
        SOCIAL_PLATFORMS=SOCIAL_PLATFORMS,
        TIER_LABELS=TIER_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        PAYOUT_STATUS_LABELS=PAYOUT_STATUS_LABELS,
    )
