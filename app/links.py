"""Absolute links for what leaves the site (e-mails): from the configured public address.

A mail is often written outside any request (a job, the scheduler, the seed), where the site's
address is unknown, so ``PUBLIC_BASE_URL`` (config.py; required in production) is the address.
It wins over a request's Host header too: a link in a mail must never point wherever a client
said the site was (a forged Host would otherwise mail someone a link to another site).
"""

from __future__ import annotations

from flask import current_app, has_app_context, url_for
from werkzeug.routing import BuildError


def absolute_url(link: str) -> str:
    """``link`` (a path such as /contracts/3) as an absolute URL; absolute links unchanged."""
    if link.startswith(("http://", "https://")):
        return link
    base = current_app.config.get("PUBLIC_BASE_URL") if has_app_context() else None
    if base:
        return base.rstrip("/") + "/" + link.lstrip("/")
    try:  # no address configured (tests): the request's, or SERVER_NAME's
        return url_for("main.home", _external=True).rstrip("/") + link
    except (RuntimeError, BuildError):
        return link
