"""Who may use each route: one decorator, and a default that denies undeclared routes.

Every view declares its audience with ``@access(...)``: ``PUBLIC``, ``SIGNED_IN`` or one or
more roles. ``enforce_declared_access`` runs before every request and refuses (403) any view
that forgot to declare, so a new route is closed until someone decides who may use it.
Pages of the wrong role answer 403; objects of another owner answer 404 (see ``owned_or_404``).
For brand pages, the member's role in the brand's team is checked too (app/orgs/permissions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from app.auth.models import Role
from app.extensions import db, login_manager
from app.orgs.acting import denial, record_agency_action

PUBLIC = "public"
SIGNED_IN = "signed_in"
ACCESS_ATTR = "_access"
BRAND = Role.BRAND.value
F = TypeVar("F", bound=Callable)


def access(*audience: str | Role) -> Callable[[F], F]:
    """Declare who may use a web view."""
    allowed = frozenset(str(a) for a in audience)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if PUBLIC not in allowed:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if SIGNED_IN not in allowed and current_user.role.value not in allowed:
                    abort(403)
                if BRAND in allowed and denial(request.endpoint, request.method):
                    abort(403)  # a team member's role, or an agency member with no brand
                record_agency_action()
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        return wrapper  # type: ignore[return-value]

    return decorate


def enforce_declared_access() -> None:
    """before_request: a view without a declared audience is closed to everyone."""
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and not hasattr(view, ACCESS_ATTR):
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)


def owned_or_404(model, object_id: int, **owner):
    """Load ``model`` by id when it belongs to ``owner`` (column=value); otherwise 404."""
    obj = db.session.get(model, object_id)
    if obj is None or any(getattr(obj, k) != v for k, v in owner.items()):
        abort(404)
    return obj
