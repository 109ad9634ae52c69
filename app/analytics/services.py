"""Conversions reported by brands, and validation of batched events."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import pagecache
from app.analytics.event_rows import hit_row, note_columns
from app.analytics.models import Conversion
from app.analytics.rollups import hour_of, upsert_rollups
from app.analytics.store import current_store
from app.analytics.tracking import parse_click_id
from app.campaigns.models import Campaign
from app.engagement.services import mark_bought_by_conversion
from app.errors import ValidationFailed
from app.extensions import db
from app.money import CURRENCIES
from app.notes.models import Note, NoteStatus

MAX_BATCH = 500
MAX_VALUE = 10**12
CLOCK_SKEW = timedelta(minutes=5)
EVENT_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


def parse_time(value: Any, field: str, errors: dict) -> datetime | None:
    """ISO-8601 (or epoch seconds) → aware UTC; missing → now; bad → an error on ``field``."""
    if value in (None, ""):
        return datetime.now(UTC)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            at = datetime.fromtimestamp(float(value), UTC)
        else:
            at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        errors.setdefault(field, []).append(_("Not a valid ISO-8601 time."))
        return None
    if at > datetime.now(UTC) + CLOCK_SKEW:
        errors.setdefault(field, []).append(_("The time is in the future."))
        return None
    return at


def validate_conversion(payload: Any) -> dict:
    """A conversion's fields checked and normalised; ValidationFailed names each bad field."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": [_("Expected a JSON object.")]})
    errors: dict[str, list[str]] = {}
    order_id = payload.get("order_id")
    if not isinstance(order_id, str | int) or not str(order_id).strip():
        errors["order_id"] = [_("An order id is required.")]
    elif len(str(order_id)) > 100:
        errors["order_id"] = [_("At most 100 characters.")]
    value = payload.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE:
        errors["value"] = [_("The order value in minor units (a whole number, 0 or more).")]
    currency = str(payload.get("currency") or "").lower()
    if currency not in CURRENCIES:
        errors["currency"] = [_("Unknown currency.")]
    click_id = payload.get("click_id")
    promo = payload.get("promo_code")
    if click_id is not None and (not isinstance(click_id, str) or len(click_id) > 64):
        errors["click_id"] = [_("Not a click id.")]
    if promo is not None and (not isinstance(promo, str) or len(promo) > 32):
        errors["promo_code"] = [_("Not a promo code.")]
    occurred_at = parse_time(payload.get("time"), "time", errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        "order_id": str(order_id).strip(),
        "value": value,
        "currency": currency,
        "click_id": click_id or None,
        "promo_code": (promo or "").strip() or None,
        "occurred_at": occurred_at,
    }


def attribution_window(campaign_id: int) -> timedelta:
    """The campaign's attribution window (the global setting for a campaign without one)."""
    days = db.session.scalar(select(Campaign.attribution_days).where(Campaign.id == campaign_id))
    return timedelta(days=int(days or current_app.config["ANALYTICS_ATTRIBUTION_DAYS"]))


def _attribute(brand_id: int, click_id, promo_code, occurred_at) -> tuple[Note | None, str]:
    """The note a conversion belongs to (last click within the window, or a promo code)."""
    if click_id:
        parsed = parse_click_id(click_id)
        if parsed is None:
            return None, "unknown_click"
        note_id, clicked_at = parsed
        note = db.session.get(Note, note_id)
        if note is None or note.brand_id != brand_id:
            return None, "unknown_click"
        if occurred_at < clicked_at - CLOCK_SKEW:
            return None, "before_click"
        if occurred_at - clicked_at > attribution_window(note.campaign_id):
            return None, "outside_window"
        return note, ""
    if promo_code:
        # The code the KOL chose for the contract (the note's tracking code stays internal).
        from app.outcomes.services import note_of_promo_code

        note = note_of_promo_code(brand_id, promo_code)
        return (note, "") if note else (None, "unknown_promo_code")
    return None, "no_click"


def record_conversion(
    *,
    brand_id: int,
    order_id: str,
    value: int,
    currency: str,
    occurred_at: datetime,
    click_id: str | None = None,
    promo_code: str | None = None,
    confirmed: bool = True,
) -> tuple[Conversion, bool]:
    """Store an order once per brand; a repeat returns the first and False. ``confirmed``: the
    brand's server reported it (its API key), so it counts; the public snippet's orders are
    kept unconfirmed until the brand's key reports the same order id, which confirms it with
    the server's values (True: it counts from now)."""
    existing = _conversion_of(brand_id, order_id)
    if existing is not None:
        if confirmed and not existing.confirmed:
            return existing, _confirm(existing, value, currency, occurred_at, click_id, promo_code)
        return existing, False
    note, reason = _attribute(brand_id, click_id, promo_code, occurred_at)
    conversion = Conversion(
        brand_id=brand_id,
        order_id=order_id,
        value=value,
        currency=currency,
        occurred_at=occurred_at,
        click_id=click_id,
        promo_code=promo_code,
        confirmed=confirmed,
        **_attribution(note, reason),
    )
    try:
        with db.session.begin_nested():
            db.session.add(conversion)
    except IntegrityError:  # the same order reported concurrently
        again = _conversion_of(brand_id, order_id)
        if confirmed and not again.confirmed:
            return again, _confirm(again, value, currency, occurred_at, click_id, promo_code)
        return again, False
    if confirmed and note is not None:
        _count(conversion, note)
    return conversion, True


def _attribution(note: Note | None, reason: str) -> dict:
    """The columns of a conversion that say which note (and so contract and campaign) it is
    credited to, or why none."""
    return {
        "note_id": note.id if note else None,
        "contract_id": note.contract_id if note else None,
        "campaign_id": note.campaign_id if note else None,
        "attributed": note is not None,
        "reason": reason,
    }


def _conversion_of(brand_id: int, order_id: str) -> Conversion | None:
    return db.session.scalar(
        select(Conversion).where(Conversion.brand_id == brand_id, Conversion.order_id == order_id)
    )


def _confirm(
    conversion: Conversion,
    value: int,
    currency: str,
    occurred_at: datetime,
    click_id: str | None,
    promo_code: str | None,
) -> bool:
    """The brand's server reported an order the snippet sent first: its values replace the
    snippet's (the browser's were never trusted) and the order counts, once — of two
    confirmations at once, the compare-and-set lets exactly one count it."""
    click_id = click_id or conversion.click_id
    promo_code = promo_code or conversion.promo_code
    note, reason = _attribute(conversion.brand_id, click_id, promo_code, occurred_at)
    won = db.session.execute(
        update(Conversion)
        .where(Conversion.id == conversion.id, Conversion.confirmed.is_(False))
        .values(
            confirmed=True,
            value=value,
            currency=currency,
            occurred_at=occurred_at,
            click_id=click_id,
            promo_code=promo_code,
            **_attribution(note, reason),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(conversion)
    if won and note is not None:
        _count(conversion, note)
    return bool(won)


def _count(conversion: Conversion, note: Note) -> None:
    """A confirmed, attributed order: in the note's hourly rollup, and a saved note it was
    bought through is marked bought; the brand's webhooks hear of it."""
    from app.webhooks.services import emit

    emit(
        brand_id=conversion.brand_id,
        event_type="conversion.attributed",
        key=f"conversion:{conversion.id}",
        data={"order_id": conversion.order_id, "note_id": note.id,
              "contract_id": note.contract_id, "campaign_id": note.campaign_id,
              "value": conversion.value, "currency": conversion.currency},
    )  # fmt: skip
    if conversion.click_id:
        _mark_save_bought(note.id, conversion.click_id, conversion.occurred_at)
    campaign_currency = db.session.scalar(
        select(Campaign.currency).where(Campaign.id == note.campaign_id)
    )
    upsert_rollups(
        [
            {
                "note_id": note.id,
                "hour": hour_of(conversion.occurred_at),
                "contract_id": note.contract_id,
                "campaign_id": note.campaign_id,
                "kol_id": note.kol_id,
                "conversions": 1,
                # Revenue in another currency is counted as a conversion, not summed.
                "revenue": conversion.value if conversion.currency == campaign_currency else 0,
            }
        ]
    )


def _mark_save_bought(note_id: int, click_id: str, occurred_at: datetime) -> None:
    """The signed-in shopper behind the click saved the note: the purchase marks it bought."""
    user_id = current_store().clicks([click_id]).get(click_id, {}).get("user_id")
    if user_id is not None:
        mark_bought_by_conversion(note_id=note_id, user_id=user_id, at=occurred_at)


def brand_of_click(click_id: str | None) -> int | None:
    """The brand whose note a genuine click id belongs to (for the order-page snippet)."""
    parsed = parse_click_id(click_id or "")
    if parsed is None:
        return None
    return db.session.scalar(select(Note.brand_id).where(Note.id == parsed[0]))


class TrackedNote(NamedTuple):
    """The ids a tracking event of a published note carries."""

    id: int
    contract_id: int
    campaign_id: int
    kol_id: int


def validate_hit(payload: Any, notes: dict[str, TrackedNote], now: str) -> str:
    """A batched view or click (from a signed edge server) as a pipeline row
    (app/analytics/event_rows.py); an event without a time happened ``now`` (``repr`` of the
    epoch seconds, once per batch)."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"event": [_("Expected a JSON object.")]})
    errors: dict[str, list[str]] = {}
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.fullmatch(event_id):
        errors["event_id"] = [
            _("A client event id of 8 to 64 letters, digits or -_.: is required.")
        ]
    code = payload.get("code")
    note = notes.get(code if isinstance(code, str) else str(code or ""))
    if note is None:
        errors["code"] = [_("No published note has this tracking code.")]
    visitor = payload.get("visitor")
    if not isinstance(visitor, str) or not 1 <= len(visitor) <= 64:
        errors["visitor"] = [_("An anonymous visitor id (at most 64 characters) is required.")]
    when = payload.get("time")
    if when in (None, ""):
        at = now
    else:
        parsed = parse_time(when, "time", errors)
        at = repr(parsed.timestamp()) if parsed is not None else ""
    bot = payload.get("bot", False)
    if not isinstance(bot, bool):
        errors["bot"] = [_("true or false.")]
    if errors:
        raise ValidationFailed(errors)
    return hit_row(_stored_id(event_id), payload["type"], at, note_columns(*note), visitor, bot)


def _stored_id(event_id: str) -> str:
    """A batch event's stored id: "b:" and the client's id (apart from the ids /go and note
    pages make), or, for an id too long to keep whole beside the prefix (63 or 64 characters),
    "h:" and a digest of it — cut to fit, two such ids would have collided and the second been
    dropped as a replay."""
    if len(event_id) <= 62:
        return f"b:{event_id}"
    return f"h:{hashlib.sha256(event_id.encode()).hexdigest()[:62]}"


def published_notes_by_code(codes: set) -> dict[str, TrackedNote]:
    """Published notes' ids by tracking code: from the page cache (no query per batch; dropped
    when notes change), the codes it lacks in one query."""
    codes = {c for c in codes if isinstance(c, str) and 0 < len(c) <= 16}
    fetched: dict[str, TrackedNote] | None = None

    def lookup(code: str) -> TrackedNote | None:
        nonlocal fetched
        if fetched is None:  # the first code missing from the cache fetches them all
            rows = db.session.execute(
                select(Note.tracking_code, Note.id, Note.contract_id, Note.campaign_id,
                       Note.kol_id)
                .where(Note.tracking_code.in_(codes), Note.status == NoteStatus.PUBLISHED)
            )  # fmt: skip
            fetched = {row[0]: TrackedNote(*row[1:]) for row in rows}
        return fetched.get(code)

    found = {
        code: pagecache.cached(("batch-note", code), partial(lookup, code), scopes=("notes",))
        for code in codes
    }
    return {code: note for code, note in found.items() if note is not None}


def new_event_id() -> str:
    return secrets.token_hex(12)
