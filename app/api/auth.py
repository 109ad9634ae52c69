"""Bearer-key authentication and the access rule for API endpoints."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps

from flask import g, request
from flask_smorest.utils import deepupdate

from app.api.openapi import security_doc
from app.auth.models import Role, User
from app.auth.services import user_for_api_key
from app.authz import ACCESS_ATTR, PUBLIC
from app.errors import json_error
from app.orgs.acting import (
    BRAND_ID_HEADER,
    acting_for_api,
    denial,
    record_agency_action,
    signed_in_person,
)

BRAND = Role.BRAND.value
NO_BRAND = (
    "Say which brand you act for: the Brand-Id header must name a brand that granted your "
    "agency access."
)


def api_user() -> User:
    """The account the call acts as: for a brand team's member, the brand's account."""
    return g.api_user


def api_person() -> User:
    """Who owns the key (the person, also when they act for a brand)."""
    return signed_in_person(g.api_user)


def _bearer_user() -> User | None:
    """The account a bearer key acts as (a team's brand for its members; None for a key that
    is not valid, or a member whose role may not make this call), for the endpoints a key is
    optional on."""
    caller = _bearer_caller()
    if caller is None:
        return None
    account = acting_for_api(*caller, request.headers.get(BRAND_ID_HEADER))
    return None if denial(request.endpoint, request.method) else account


def _bearer_caller() -> tuple[User, dict | None] | None:
    """The key's owner and their team facts (kept with the key in Redis)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return user_for_api_key(secret.strip())


def api_access(*audience: str | Role) -> Callable:
    """Declare who may call an API endpoint; the caller is known by bearer key only."""
    allowed = frozenset(str(a) for a in audience)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if PUBLIC not in allowed:
                caller = _bearer_caller()
                if caller is None:
                    response = json_error(401, "unauthorized", "A valid API key is required.")
                    response[0].headers["WWW-Authenticate"] = 'Bearer realm="api"'
                    return response
                user = caller[0]
                if "signed_in" not in allowed and user.role.value not in allowed:
                    return json_error(403, "forbidden", "Your role cannot use this endpoint.")
                g.api_user = acting_for_api(*caller, request.headers.get(BRAND_ID_HEADER))
                refused = denial(request.endpoint, request.method) if BRAND in allowed else None
                if refused == "no_brand":
                    return json_error(403, "no_brand", NO_BRAND)
                if refused:
                    return json_error(403, "forbidden", "Your role in the team cannot do this.")
                record_agency_action()
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        # flask-smorest reads the view's _apidoc (copied by @wraps): add who may call it.
        apidoc = deepcopy(getattr(view, "_apidoc", {}))
        apidoc["manual_doc"] = deepupdate(
            apidoc.get("manual_doc", {}), security_doc(public=PUBLIC in allowed)
        )
        wrapper._apidoc = apidoc
        return wrapper

    return decorate
