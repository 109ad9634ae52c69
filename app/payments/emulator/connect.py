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
PLATFORM_ACCOUNT = "acct_platform_emulator"


def create_account(ctx: Ctx, params: Params) -> Obj:
    _platform_only(ctx)
    check_known(params, (*UPDATABLE, "type", "country", "default_currency"))
    country = (string(params, "country") or "US").upper()
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
    _request_capabilities(account, params.get("capabilities"))
    ctx.add(account, owner=None)
    return account


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
        "country": "US",
        "default_currency": "usd",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "metadata": {},
        "livemode": False,
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


def complete_onboarding(ctx: Ctx, account_id: str) -> Obj:
    """What finishing Stripe's hosted onboarding does: the account can take transfers."""
    account = ctx.store.find("account", account_id, None, "account")
    before = copy.deepcopy(account)
    account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
    account["capabilities"] = {name: "active" for name in account["capabilities"]}
    account["requirements"].update(currently_due=[], eventually_due=[], disabled_reason=None)
    _emit_updated(ctx, account, before)
    return account


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
    if action == "complete":
        complete_onboarding(ctx, link["account"])
    return str(link["return_url"])
