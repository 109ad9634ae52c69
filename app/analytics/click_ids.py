"""What a click id carries, read without its key: ``<note>.<second>.<random>.<signature>`` in
hex (app/analytics/tracking.py ``new_click_id`` makes them, ``parse_click_id`` checks them).
Unchecked reads are for ids already attributed (the signature was checked when their order was)
and for bounding a lookup by id (a forged part only makes its own id be missed)."""

from __future__ import annotations

from datetime import UTC, datetime


def click_time(click_id: str) -> datetime | None:
    """The second a click id carries, unchecked."""
    parts = click_id.split(".")
    try:
        return datetime.fromtimestamp(int(parts[1], 16), UTC) if len(parts) == 4 else None
    except ValueError:
        return None


def click_note(click_id: str) -> int | None:
    """The note a click id carries, unchecked."""
    parts = click_id.split(".")
    try:
        return int(parts[0], 16) if len(parts) == 4 else None
    except ValueError:
        return None
