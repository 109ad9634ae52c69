"""CSV files any feature writes (finance exports, paperwork archives and statements,
analytics): spreadsheet-safe cells (formula-injection escaping, ISO-8601 UTC timestamps),
amounts in decimal major units, streamed in chunks. Shared infrastructure: imports no feature."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from app.money import decimals

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A spreadsheet-safe cell: text starting like a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    text = str(value)
    # Numbers we computed are safe as they are (a negative amount must stay a number).
    if text.startswith(FORMULA_PREFIXES) and not isinstance(value, int | Decimal):
        return "'" + text
    return text


def decimal_amount(amount: int | None, currency: str | None) -> Decimal | None:
    """Minor units as a decimal in major units (1234 usd → 12.34, 1234 jpy → 1234)."""
    if amount is None or not currency:
        return None
    places = decimals(currency)
    return (Decimal(amount) / (Decimal(10) ** places)).quantize(Decimal(1).scaleb(-places))


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
