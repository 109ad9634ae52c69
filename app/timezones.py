"""The reader's time zone: every date is stored in UTC and shown, or typed into a form, in the
zone of the person reading it (``users.time_zone``, chosen in settings and guessed from the
browser at registration); a visitor and an account that never chose one read UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import g, has_request_context
from flask_login import current_user

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones a person can choose (legacy aliases such as ``US/Pacific`` left out)."""
    legacy = ("Etc/", "SystemV/", "US/")
    chosen = (name for name in available_timezones() if "/" in name and not name.startswith(legacy))
    return (*sorted(chosen), "UTC")


def valid_zone(name: str | None) -> str | None:
    """``name`` if it is a zone a person can choose, else None."""
    return name if name and name in zone_names() else None


@lru_cache(maxsize=512)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def reader_zone() -> tzinfo:
    """The zone of whoever reads this page (or the one ``in_zone`` names, for an e-mail)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        reader = getattr(g.get("acting"), "person", current_user)  # not the team's brand
        name = getattr(reader, "time_zone", None)
        if name:
            return _zone(name)
    return UTC


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """A stored moment (aware, or naive meaning UTC) in the reader's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or reader_zone())


def when(moment: datetime | None, seconds: bool = False, zone: tzinfo | None = None) -> str:
    """The ``|when`` filter: '2026-12-06 17:30 CST' in the reader's zone; '—' for none."""
    if moment is None:
        return "—"
    shown = local(moment, zone)
    return f"{shown:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {shown.tzname() or 'UTC'}"


def day(moment: date | datetime | None, zone: tzinfo | None = None) -> str:
    """The ``|day`` filter: the reader's calendar day of a moment ('2026-12-06'); a date as is."""
    if moment is None:
        return "—"
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return local(moment, zone).strftime("%Y-%m-%d")


def zone_label(zone: tzinfo | None = None) -> str:
    """The reader's zone as a form's hint names it: 'Asia/Shanghai' or 'UTC'."""
    zone = zone or reader_zone()
    return getattr(zone, "key", None) or "UTC"


def from_local_input(text: str, zone: tzinfo | None = None) -> datetime:
    """A datetime typed in a form (ISO 8601) → an aware UTC moment. Without an offset it is the
    reader's local time; raises ValueError when it is not a date."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or reader_zone())
    return value.astimezone(UTC)


def to_local_input(moment: datetime, zone: tzinfo | None = None) -> str:
    """A stored moment as a datetime-local field shows it, in the reader's zone."""
    return local(moment, zone).strftime(DATETIME_LOCAL)
