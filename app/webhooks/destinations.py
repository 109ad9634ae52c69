"""Where a webhook may be sent: never into our own network (SSRF).

A brand types the URL; without this check it could make the app call a database port, a
cloud metadata address or an admin page on localhost. Every address the host name resolves to
is checked, when the endpoint is saved and again before each delivery (the name may point
elsewhere by then). ``WEBHOOKS_ALLOW_PRIVATE`` lifts the check outside production, so that a
receiver on localhost works in development and tests."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationFailed


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _private(address) -> bool:
    return not address.is_global or address.is_multicast


def check_destination(url: str) -> str:
    """``url`` if a webhook may be sent there; ValidationFailed naming ``url`` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        raise ValidationFailed({"url": [_("Enter a full web address starting with https://")]})
    if current_app.config["WEBHOOKS_ALLOW_PRIVATE"]:
        return url.strip()
    addresses = _addresses(parts.hostname)
    if not addresses:
        raise ValidationFailed({"url": [_("This address does not resolve.")]})
    if any(_private(a) for a in addresses):
        raise ValidationFailed(
            {"url": [_("Webhooks cannot be sent to private or local network addresses.")]}
        )
    return url.strip()
