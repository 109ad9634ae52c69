"""Shared by the API fuzz suites: our OpenAPI document loaded by schemathesis, the roles each
operation admits, and the callers' keys."""

from __future__ import annotations

import re

import schemathesis

from app.authz import ACCESS_ATTR, PUBLIC, SIGNED_IN

ROLES = ("brand", "kol", "finance", "admin", "shopper")
PARAM = re.compile(r"\{(\w+)\}")


def admitted(app, path: str, method: str) -> frozenset[str]:
    """The audience of the view behind an operation (its ``@api_access``)."""
    concrete = PARAM.sub("1", f"/api/v1{path}")
    endpoint, _args = app.url_map.bind("localhost").match(concrete, method=method.upper())
    return getattr(app.view_functions[endpoint], ACCESS_ATTR)


def roles_for(app, path: str, method: str) -> list[str]:
    """The roles to call an operation as: brands and KOLs where anyone signed in may."""
    allowed = admitted(app, path, method)
    if PUBLIC in allowed or SIGNED_IN in allowed:
        return ["brand", "kol"]
    return [role for role in ROLES if role in allowed]


def fresh_contexts(app):
    """The app as a WSGI callable that gives each request its own app context (fresh ``g`` and
    database session), as in production, although the test itself holds one open."""

    def wsgi(environ, start_response):
        with app.app_context():
            response = app.wsgi_app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()

    return wsgi


def load_schema(app):
    """Our OpenAPI document, as the app serves it, with requests sent to the app in-process."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fresh_contexts(app))
