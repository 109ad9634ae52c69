"""Connect accounts, Account Links and completing onboarding."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from .context import Ctx
from .errors import EmulatorError, invalid_param, no_such
from .objects import Obj, new_object
from .params import Params, boolean, check_known, choice, currency, metadata, required, string

LINK_TTL = 300
CURRENCY_BY_COUNTRY = {
    "US": "usd",
    "GB": "gbp",
    "JP": "jpy",
    "KR": "krw",
    "CA": "cad",
    "AU": "aud",
    "SG": "sgd",
    "HK": "hkd",
    "CH": "chf",
    "SE": "sek",
}
DUE = ["business_profile.url", "external_account", "individual.dob.day", "tos_acceptance.date"]
UPDATABLE = ("email", "metadata", "business_profile", "business_type", "capabilities")
# What a platform may send to onboard a Custom account itself, and the dates of birth Stripe's
# test mode verifies (docs.stripe.com/connect/testing: 1901-01-01, 1902-01-01 at once).
PREFILLABLE = ("individual", "external_account", "tos_acceptance")
TEST_DOBS = {("1901", "1", "1"), ("1902", "1", "1")}
PLATFORM_ACCOUNT = "acct_platform_emulator"
PLATFORM_COUNTRY = "US"
# Where a platform's Express accounts can be opened (docs.stripe.com/connect/cross-border-payouts,
# "Availability"; table in docs/payments.md): platforms in the US, the UK, the EEA, Canada and
# Switzerland can have connected accounts in any of those; any other platform only in its own
# country. Anywhere else Stripe refuses the account at creation.
EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE",
    "IT", "LV", "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})  # fmt: skip
CROSS_BORDER_REGION = frozenset({"US", "GB", "CA", "CH", *EEA})
# What finishing the hosted form leaves behind: Stripe may still be verifying (pending), or
# want more (inactive), rather than enable the account at once.
ONBOARDING_OUTCOMES = ("active", "pending", "inactive")


def create_account(ctx: Ctx, params: Params) -> Obj:
    _platform_only(ctx)
    check_known(params, (*UPDATABLE, *PREFILLABLE, "type", "country", "default_currency"))
    country = (string(params, "country") or PLATFORM_COUNTRY).upper()
    _check_country(country)
    default = params.get("default_currency") or CURRENCY_BY_COUNTRY.get(country, "eur")
    account = new_object(
        "acct_",
        "account",
        ctx.now,
        type=choice(params, "type", ("express", "standard", "custom"), "express"),
        country=country,
        default_currency=currency(default, "default_currency"),
        email=string(params, "email"),
        business_type=string(params, "business_type"),
        business_profile=params.get("business_profile") or {},
        capabilities={},
        charges_enabled=False,
        payouts_enabled=False,
        details_submitted=False,
        metadata=metadata(params.get("metadata")),
        requirements={
            "currently_due": list(DUE),
            "eventually_due": list(DUE),
            "past_due": [],
            "pending_verification": [],
            "errors": [],
            "current_deadline": None,
            "disabled_reason": "requirements.past_due",
        },
    )
    _apply_prefilled(account, params)
    _request_capabilities(account, params.get("capabilities"))
    ctx.add(account, owner=None)
    return account


def _apply_prefilled(account: Obj, params: Params) -> None:
    """A Custom account the platform onboards through the API (as `make stripe-check` does with
    Stripe's documented test values) is verified once nothing is left due, and only with a
    test date of birth; Express and Standard accounts always finish on Stripe's hosted form."""
    for name in PREFILLABLE:
        if params.get(name) is not None and not isinstance(params[name], dict | str):
            raise invalid_param(name, "Invalid hash")
    if account["type"] != "custom":
        return
    dob = (params.get("individual") or {}).get("dob") or {}
    given = {
        "business_profile.url": (params.get("business_profile") or {}).get("url"),
        "external_account": params.get("external_account"),
        "individual.dob.day": dob.get("day"),
        "tos_acceptance.date": (params.get("tos_acceptance") or {}).get("date"),
    }
    due = [item for item in DUE if not given[item]]
    if dob and (str(dob.get("year")), str(dob.get("month")), str(dob.get("day"))) not in TEST_DOBS:
        due.append("individual.verification.document")
    account["requirements"].update(currently_due=due, eventually_due=due)
    if not due:
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
        account["requirements"]["disabled_reason"] = None


def _check_country(country: str) -> None:
    if PLATFORM_COUNTRY in CROSS_BORDER_REGION:
        allowed = country in CROSS_BORDER_REGION
    else:
        allowed = country == PLATFORM_COUNTRY
    if not allowed:
        raise invalid_param(
            "country",
            f"Connected accounts in {country} cannot be created by platforms in "
            f"{PLATFORM_COUNTRY}. Please contact us via https://support.stripe.com/contact if "
            "you need further assistance.",
        )


def _platform_only(ctx: Ctx) -> None:
    if ctx.account:
        raise EmulatorError(
            "This request must be made by the platform, without Stripe-Account.",
            status=403,
            type="invalid_request_error",
        )


def _request_capabilities(account: Obj, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise invalid_param("capabilities", "Invalid hash")
    for name, options in value.items():
        param = f"capabilities[{name}]"
        if not isinstance(options, dict):
            raise invalid_param(param, "Invalid hash")
        check_known(options, ("requested",), param)
        if boolean(required(options, "requested", f"{param}[requested]"), f"{param}[requested]"):
            active = account["details_submitted"]
            account["capabilities"].setdefault(name, "active" if active else "inactive")
        else:
            account["capabilities"].pop(name, None)


def find_account(ctx: Ctx, account_id: Any, param: str = "id") -> Obj:
    if ctx.account and account_id != ctx.account:
        raise no_such("account", str(account_id), param)
    return ctx.store.find("account", account_id, None, param)


def retrieve_account(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, ())
    return find_account(ctx, id)


def retrieve_own_account(ctx: Ctx, params: Params) -> Obj:
    check_known(params, ())
    if ctx.account:
        return find_account(ctx, ctx.account)
    return {
        "id": PLATFORM_ACCOUNT,
        "object": "account",
        "type": "standard",
        "country": PLATFORM_COUNTRY,
        "default_currency": "usd",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "metadata": {},
    }


def update_account(ctx: Ctx, params: Params, id: str) -> Obj:
    check_known(params, UPDATABLE)
    account = find_account(ctx, id)
    before = copy.deepcopy(account)
    if "metadata" in params:
        account["metadata"] = metadata(params["metadata"], account["metadata"])
    for name in ("email", "business_type"):
        if name in params:
            account[name] = string(params, name)
    if isinstance(params.get("business_profile"), dict):
        account["business_profile"].update(params["business_profile"])
    _request_capabilities(account, params.get("capabilities"))
    _emit_updated(ctx, account, before)
    return account


def _emit_updated(ctx: Ctx, account: Obj, before: Obj) -> None:
    previous = {key: value for key, value in before.items() if account.get(key) != value}
    if previous:
        ctx.emit("account.updated", account, account=account["id"], previous=previous)


def create_account_link(ctx: Ctx, params: Params) -> Obj:
    _platform_only(ctx)
    check_known(params, ("account", "refresh_url", "return_url", "type", "collect"))
    account = ctx.store.find("account", required(params, "account"), None, "account")
    if choice(params, "type", ("account_onboarding", "account_update")) is None:
        raise invalid_param("type", "Missing required param: type.", "parameter_missing")
    if account["type"] == "standard" and params["type"] == "account_update":
        raise invalid_param("type", "Standard accounts cannot use account_update links.")
    token = secrets.token_urlsafe(24)
    ctx.store.private[f"link:{token}"] = {
        "account": account["id"],
        "refresh_url": required(params, "refresh_url"),
        "return_url": required(params, "return_url"),
        "expires_at": ctx.now + LINK_TTL,
        "used": False,
        "form_nonce": None,
    }
    url = f"{ctx.hosted_base}/onboarding/{token}"
    return {
        "object": "account_link",
        "created": ctx.now,
        "expires_at": ctx.now + LINK_TTL,
        "url": url,
    }


def complete_onboarding(ctx: Ctx, account_id: str, outcome: str = "active") -> Obj:
    """What finishing Stripe's hosted onboarding does: "active" the account can take transfers;
    "pending" Stripe is still verifying what was submitted; "inactive" Stripe wants more (an
    identity document). A later call with another outcome is Stripe's verification ending."""
    if outcome not in ONBOARDING_OUTCOMES:
        raise ValueError(f"unknown onboarding outcome: {outcome}")
    account = ctx.store.find("account", account_id, None, "account")
    before = copy.deepcopy(account)
    active = outcome == "active"
    account.update(details_submitted=True, charges_enabled=active, payouts_enabled=active)
    account["capabilities"] = {name: outcome for name in account["capabilities"]}
    account["requirements"].update(_REQUIREMENTS[outcome])
    _emit_updated(ctx, account, before)
    return account


_REQUIREMENTS: dict[str, Obj] = {
    "active": {"currently_due": [], "eventually_due": [], "past_due": [],
               "pending_verification": [], "disabled_reason": None},
    "pending": {"currently_due": [], "eventually_due": [], "past_due": [],
                "pending_verification": ["individual.verification.document"],
                "disabled_reason": "requirements.pending_verification"},
    "inactive": {"currently_due": ["individual.verification.document"],
                 "eventually_due": ["individual.verification.document"],
                 "past_due": ["individual.verification.document"],
                 "pending_verification": [], "disabled_reason": "requirements.past_due"},
}  # fmt: skip


ROUTES = [
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/accounts/{id}", retrieve_account),
    ("POST", "/v1/accounts/{id}", update_account),
    ("GET", "/v1/account", retrieve_own_account),
    ("POST", "/v1/account_links", create_account_link),
]


def open_link(ctx: Ctx, token: str) -> tuple[str, Obj | None]:
    """("form", link) the first time within its TTL, ("refresh", link) after, or ("missing", None)."""
    link = ctx.store.private.get(f"link:{token}")
    if link is None:
        return "missing", None
    if link["used"] or ctx.now >= link["expires_at"]:
        return "refresh", link
    link.update(used=True, form_nonce=secrets.token_urlsafe(16), form_expires=ctx.now + 3600)
    return "form", link


def submit_link(ctx: Ctx, token: str, nonce: str, action: str) -> str | None:
    """Where the browser goes after the onboarding form; completing updates the account."""
    link = ctx.store.private.get(f"link:{token}")
    if link is None:
        return None
    valid = bool(nonce) and nonce == link.get("form_nonce") and ctx.now < link["form_expires"]
    if not valid:
        return str(link["refresh_url"])
    link["form_nonce"] = None
    outcome = {"complete": "active", "pending": "pending"}.get(action)
    if outcome:
        complete_onboarding(ctx, link["account"], outcome)
    return str(link["return_url"])
