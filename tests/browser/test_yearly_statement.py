"""A KOL's yearly earnings statement adds up to their payouts: the payouts the Earnings page
lists as paid (less what was reversed) are this year's statement plus last year's, its CSV
says the same to the cent, and a payout that failed is on neither. The payouts are made
beforehand (journey_ops.py: two paid this year, one paid last year, one failed; prepare.py, at
the start of the session): the journey is about reading them. None is reversed: a reversal
needs its ledger entry, and this server's books are checked whole by the outcome journey's
`flask ledger check`."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.server import READY_KOLS

PAID_LINE = re.compile(r"^\$([\d,]+\.\d\d) · Paid(?: · \$([\d,]+\.\d\d) reversed)?$")


def cents(text: str) -> int:
    return int(Decimal(text.replace(",", "").replace("$", "")) * 100)


def paid_on_earnings(page: Page) -> list[int]:
    """What each paid payout on the Earnings page left the KOL with, in cents."""
    kept = []
    for line in page.locator("tbody td div.small").all_inner_texts():
        found = PAID_LINE.match(line.strip())
        if found:
            kept.append(cents(found[1]) - (cents(found[2]) if found[2] else 0))
    return kept


def statement_total(page: Page, year: int) -> int:
    page.goto(f"/earnings/yearly?year={year}")
    expect(page.locator("h1")).to_contain_text(f"Earnings statement {year}")
    return cents(steps.fact(page, "Total USD"))


def test_yearly_statement(journey):
    _name, email, _handle = READY_KOLS[journey.name]
    kol = journey.actor()
    steps.login(kol, email)
    this_year = datetime.now(UTC).year

    kol.goto("/earnings")
    expect(kol.locator("main")).to_contain_text("$120.00 · Failed")
    paid = paid_on_earnings(kol)
    assert sorted(paid) == [9_900, 28_350, 40_000], paid
    paid_out = cents(steps.fact(kol, "Paid out"))
    assert paid_out == sum(paid)
    journey.shot(kol, "earnings")

    steps.follow(kol, "Yearly statement")
    rows = kol.locator("main tbody tr")
    expect(rows).to_have_count(2)  # this year's two; not last year's, not the failed one
    total = cents(steps.fact(kol, "Total USD"))
    assert total == 68_350  # $283.50 + $400.00
    kept_column = [cents(t) for t in rows.locator("td:last-child").all_inner_texts()]
    assert sum(kept_column) == total
    journey.shot(kol, "yearly-statement")

    with kol.expect_download() as download:
        kol.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename == f"earnings-{this_year}.csv"
    lines = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(lines) == 2
    assert sum(int(line["kept_minor"]) for line in lines) == total
    assert sum(cents(line["kept"]) for line in lines) == total
    response = kol.request.get(f"/earnings/yearly.csv?year={this_year}")
    assert response.headers["cache-control"] == "no-store"

    # Last year's statement holds the rest: the two years add up to everything paid out.
    last = statement_total(kol, this_year - 1)
    assert last == 9_900
    assert total + last == paid_out
    journey.shot(kol, "last-year-statement")


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
