"""A deal that pays for what the note sells, in a real browser: a flat $400 + 10 % commission
+ a $50 bonus at 10,000 views, capped at $200 funded up front. Orders come from the brand's
server (its API key): one through a robot's click, one reversed; a weekly settlement, then the
final one refunds what the cap did not pay. Both sides read the statements; `flask ledger
check`, finance's reconciliation and the emulator's transfers and refunds agree to the cent.

Runs on both database passes: the settlement's money is what it is about."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser import steps
from tests.browser.server import BIN, ROOT

TITLE = "Glow serum sales push"
NOTE = "The serum that sold out twice"
TERMS = {
    "commission_percent": "10",
    "bonus_metric": "views",
    "bonus_threshold": "10000",
    "bonus_amount": "50",
    "outcome_cap": "200",
}


def ops(journey, *args) -> dict:
    """tests/browser/outcome_ops.py on the journey server's database, emulator and Redis."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.browser.outcome_ops", *map(str, args)],
        cwd=ROOT,
        env=journey.server.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def settled_books(journey, contract_id: int, runs: int) -> dict:
    """The books once the settlements' transfers and refunds are paid (with Redis, the worker
    pays them a moment after the settlement, by their own jobs: the journey's server runs no
    scheduler, so no jobs sweep stands in for a job pushed too early)."""
    deadline = time.monotonic() + 60
    while True:
        books = ops(journey, "books", contract_id)
        payouts = [p for p in books["payouts"] if p["stage"].startswith("outcome")]
        if (
            len(books["settlements"]) == runs
            and all(p["status"] == "paid" for p in books["payouts"])
            and all(r["status"] == "succeeded" for r in books["refunds"])
            and len(payouts) == sum(1 for s in books["settlements"] if s["released"])
        ):
            return books
        assert time.monotonic() < deadline, f"not paid within a minute: {books}"
        time.sleep(1)


def click_through(page: Page, note_id: int, shop_url: str) -> str:
    """A reader opens the note and follows its product link to the shop; the click id."""
    page.goto(f"/n/{note_id}")
    steps.follow(page, "See the product")
    assert page.url.startswith(shop_url + "/glow-serum?")
    return parse_qs(urlsplit(page.url).query)["kol_click"][0]


def reverse(page: Page, key: str, order_id: str) -> None:
    response = page.request.post(
        "/api/v1/conversions/reversals",
        headers={"Authorization": f"Bearer {key}"},
        data={"order_id": order_id},
    )
    assert response.status == 200, response.text()
    assert response.json()["reversed_at"]


def statement(page: Page, contract_id: int, seq: int):
    """The settlement's card on the statements page, its orders unfolded."""
    page.goto(f"/contracts/{contract_id}/settlements")
    card = page.locator(f"#settlement-{seq}")
    card.locator("summary").click()
    return card


def row(card, label: str | re.Pattern):
    return card.locator("tr", has=card.page.locator("th", has_text=label)).locator("td")


def assert_statement(card, figures: dict[str, str], orders: dict[str, str]) -> None:
    for label, value in figures.items():
        expect(row(card, label)).to_have_text(value)
    for order_id, verdict in orders.items():
        line = card.locator("tbody tr", has=card.page.locator("td", has_text=order_id))
        expect(line.locator("td").last).to_have_text(verdict)


pytestmark = pytest.mark.once  # one pass of CI: the journeys share artifacts/ and their server


def test_outcome_deal(journey):
    brand = journey.actor()
    steps.register(brand, "brand", "Glow Lab Sales", "brand@outcome.example.com")
    shop = journey.shop.url
    campaign_id = steps.create_campaign(brand, TITLE, shop + "/glow-serum", terms=TERMS)
    expect(brand.locator("main")).to_contain_text("10% of each counted order")
    journey.shot(brand, "brand-campaign-with-terms")

    kol, _name = steps.ready_kol(journey)
    bid_id = steps.bid(kol, TITLE, "400")
    contract_id = steps.brand_accepts(brand, bid_id)
    expect(brand.locator("main")).to_contain_text("Cap on commission and bonus")
    steps.fund(brand, contract_id)
    expect(brand.locator("h1")).to_contain_text("the contract is funded")
    # $400 + 5 % and the $200 cap + 5 %, held until settled.
    expect(brand.locator("main")).to_contain_text("$630.00")
    journey.shot(brand, "brand-funded-with-cap")

    steps.onboard(kol)
    note_id = steps.write_note(kol, contract_id, NOTE, "Glow Serum every morning. @glowlab #ad")
    steps.approve(brand, note_id)
    expect(brand.locator("main")).to_contain_text("Approved → Published")
    journey.shot(brand, "brand-approved")

    # A robot (headless Chromium under its own name) and a person follow the note's link.
    robot_context = journey.browser.new_context(base_url=journey.server.base_url)
    journey.contexts.append(robot_context)
    robot = robot_context.new_page()
    journey.watch(robot)
    robot_click = click_through(robot, note_id, shop)
    reader = journey.actor()
    human_click = click_through(reader, note_id, shop)
    dashboard = f"/analytics/campaigns/{campaign_id}"
    steps.until(brand, dashboard, ".analytics-groups", re.compile(r"Clicks\s+1\b"))

    key = steps.create_api_key(brand, "Shop server")
    for order_id, value, click_id in (
        ("ORD-1", 12_000, human_click),  # $12.00 commission
        ("ORD-2", 30_000, robot_click),  # a robot's click: excluded
        ("ORD-3", 8_000, human_click),  # returned: reversed below
    ):
        conversion = steps.report_conversion(brand, key, click_id, order_id, value)
        assert conversion["attributed"] and conversion["note_id"] == note_id
    reverse(brand, key, "ORD-3")

    # A week after approval the scheduled step settles it: $12.00 released.
    assert ops(journey, "settle", contract_id, 6) == {"settled": 0}
    assert ops(journey, "settle", contract_id, 7) == {"settled": 1}
    weekly = settled_books(journey, contract_id, runs=1)
    first = {
        "Counted orders": "1 · $120.00",
        "Commission on them": "$12.00",
        re.compile("^Earned so far"): "$12.00",
        "Released before": "− $0.00",
        "Released now": "$12.00",
        "KOL fee": "− $1.20 → to the KOL $10.80",
        "Brand fee on it": "$0.60",
    }
    verdicts = {
        "ORD-1": "Counted",
        "ORD-2": "The click came from a robot",
        "ORD-3": "Reversed (returned or refunded)",
    }
    for page, who in ((kol, "kol"), (brand, "brand")):
        card = statement(page, contract_id, 1)
        assert_statement(card, first, verdicts)
        expect(row(card, "Bonus progress")).to_contain_text(
            re.compile(r"of 10,000 views → \$0\.00")
        )
        journey.shot(page, f"{who}-weekly-statement")

    # Week two: a bigger order and the 10,000th view; the window ends, the cap's rest goes back.
    steps.report_conversion(brand, key, human_click, "ORD-4", 30_000)  # $30.00 commission
    ops(journey, "views", contract_id, 10_000)
    assert ops(journey, "settle", contract_id, 30) == {"settled": 1}
    books = settled_books(journey, contract_id, runs=2)
    final = {
        "Counted orders": "2 · $420.00",
        "Commission on them": "$42.00",
        re.compile("^Earned so far"): "$92.00",
        "Released before": "− $12.00",
        "Released now": "$80.00",
        "KOL fee": "− $8.00 → to the KOL $72.00",
        "Brand fee on it": "$4.00",
        # $200 cap + $10 fee, less $92.00 earned + its $4.60 fee.
        re.compile(r"^Refunded to the brand"): "$113.40",
    }
    for page, who in ((brand, "brand"), (kol, "kol")):
        card = statement(page, contract_id, 2)
        expect(card.locator("h2")).to_contain_text("Final settlement")
        assert_statement(card, final, {**verdicts, "ORD-4": "Counted"})
        expect(row(card, "Bonus progress")).to_contain_text(
            re.compile(r"of 10,000 views → \$50\.00")
        )
        expect(page.locator("main")).to_contain_text(
            re.compile(r"Still held for commission and bonus\s*\$0\.00")
        )
        journey.shot(page, f"{who}-final-statement")

    # The ledger, the payouts and Stripe's own lists agree with the statements to the cent.
    assert weekly["settlements"][0]["kol_net"] == 1_080
    one, two = books["settlements"]
    assert (one["released"], one["brand_fee_part"], one["kol_net"]) == (1_200, 60, 1_080)
    assert (two["released"], two["brand_fee_part"], two["kol_net"]) == (8_000, 400, 7_200)
    assert two["final"] and two["refunded"] == 11_340
    assert books["entries"]["commission_earned"] == [1_260, 8_400]
    assert books["entries"]["commission_release"] == [1_260, 8_400]
    outcome_payouts = [p for p in books["payouts"] if p["stage"].startswith("outcome")]
    assert [p["amount"] for p in outcome_payouts] == [1_080, 7_200]
    for payout in books["payouts"]:  # the flat price's release too
        assert books["stripe_transfers"][payout["transfer_id"]] == payout["amount"]
    assert len(books["stripe_transfers"]) == len(books["payouts"])
    [refund] = books["refunds"]
    assert (refund["reason"], refund["amount"]) == ("outcome_remainder", 11_340)
    assert books["stripe_refunds"] == {refund["stripe_id"]: 11_340}
    assert 11_340 in books["entries"].get("refund", []), books["entries"]

    check = subprocess.run(
        [str(BIN / "flask"), "ledger", "check"],
        cwd=ROOT,
        env=journey.server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ledger OK" in check.stdout

    finance = steps.staff(journey, "finance")
    steps.reconcile_today(finance)
    differences = finance.locator(".stat-card", has_text="Differences").locator(".stat")
    expect(differences).to_have_text("0")
    matched = finance.locator(".stat-card", has_text="Matched").locator(".stat")
    matched_count, processed = (int(n) for n in matched.inner_text().split("/"))
    # The charge, the approval's transfer, two commission transfers and the refund at least.
    assert matched_count == processed >= 5
    journey.shot(finance, "finance-reconciled")
