"""Admin, finance, team and agency actions announce themselves here; the finance audit log
records them (with the agency and the brand acted for, when a brand's team member acts).

Features call ``audit(...)`` in the same transaction as the action; the receiver (connected
by app.finance) appends the row, so nothing imports the finance package."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import g, has_request_context

from app.text import clean_text

signals = Namespace()
audited = signals.signal("audited")


def audit(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: Any,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    # A brand team's member or an agency's: the brand acted for and the agency (app/orgs).
    acting = g.get("acting") if has_request_context() else None
    audited.send(
        None,
        actor_id=actor_id,
        agency_id=getattr(acting, "agency_id", None),
        brand_id=getattr(acting, "brand_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=clean_text(reason, 2000),  # typed by staff: no NUL or control characters
        before=before,
        after=after,
    )
