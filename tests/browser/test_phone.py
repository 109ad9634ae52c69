"""Phone first: every page of every demo role, in English and in Chinese, on a phone's screen
(390 x 844): nothing wider than the screen, controls a thumb can hit, and the menu button opens
every entry of the role's navigation. Then the same account at 1366 px: the top bar on one
line, no label broken inside a word.

The pages are those of `flask seed`'s demo data (what `make run` shows), served by an app server
of this module's own: the journeys' server holds only what the journeys made. One page of each
kind is visited (`/campaigns/7` stands for every campaign), found by following links from the
home page as the demo crawl (tests/test_demo_crawl.py) does with the test client. Screenshots go
to artifacts/screenshots/phone-<role>-<language>/."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import layout
from tests.browser.conftest import ARTIFACTS, Journey
from tests.browser.server import Server

DEMO_PASSWORD = "kol-demo-2026"
ROLES = ["visitor", "brand", "kol", "shopper", "finance", "admin"]
SKIP = re.compile(r"^/(static|media|emulator|go|dev/outbox|api|lang)/|\.(csv|pdf|zip)\b|/pdf$")
LIMIT = 60  # kinds of page per role; the demo has at most ~35


@pytest.fixture(scope="module")
def demo_server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="kol-phone-"))
    server = Server(tmp, ARTIFACTS / "browser-logs" / "demo", demo=True)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def kind(path: str) -> str:
    """One key per kind of page: ids and slugs (`/n/2-winter-skin`) become N, queries go."""
    return re.sub(r"\d+(-[^/]*)?", "N", path.split("?")[0])


def use_language(page: Page, lang: str) -> None:
    """Switch with the top bar's language button if the page is in the other language (a demo
    account keeps the last choice)."""
    want = "zh-Hans" if lang == "zh" else "en"
    if page.locator("html").get_attribute("lang") != want:
        with page.expect_navigation():
            page.locator(".topbar .lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", want)


def sign_in(page: Page, email: str) -> None:
    """The sign-in form, in whichever language the browser asked for."""
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    expect(page.locator(".role-badge")).to_be_visible()


def open_menu(page: Page) -> list[str]:
    """The menu button is on screen and opens every entry of the top bar's navigation, each on
    screen and touch-sized; the problems seen."""
    page.goto("/")
    toggle = page.locator(".menu-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    panel = page.locator(".phone-menu .menu-panel")
    expect(panel).to_be_visible()
    entries = panel.locator("a")
    hrefs = {entries.nth(i).get_attribute("href") for i in range(entries.count())}
    desktop = page.locator(".mainnav a")  # hidden on a phone: what a wide screen's bar holds
    wanted = {desktop.nth(i).get_attribute("href") for i in range(desktop.count())}
    problems = [f"the phone menu lacks {href}" for href in sorted(wanted - hrefs)]
    for i in range(entries.count()):
        box = entries.nth(i).bounding_box()
        if not box or box["x"] < 0 or box["x"] + box["width"] > layout.PHONE["width"]:
            problems.append(f"menu entry {entries.nth(i).inner_text()!r} is off screen: {box}")
    problems += layout.small_targets(page)
    # An entry leads where it says.
    href = entries.first.get_attribute("href")
    with page.expect_navigation():
        entries.first.click()
    assert page.url.split("?")[0].endswith(href.split("?")[0]), (page.url, href)
    return problems


def crawl(journey: Journey, page: Page, depth: int) -> tuple[int, list[str]]:
    """Visit one page of each kind reachable from the home page in `depth` clicks; the pages
    visited and what did not fit."""
    queue, seen, problems, visited = deque([("/", 0)]), set(), [], 0
    while queue and visited < LIMIT:
        path, clicks = queue.popleft()
        if SKIP.search(path) or kind(path) in seen or clicks > depth:
            continue
        seen.add(kind(path))
        response = page.goto(path)
        if not response or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited += 1
        problems += layout.overflow(page) + layout.small_targets(page)
        page.screenshot(
            path=str(journey.shots / f"crawl-{visited:02d}{kind(path).replace('/', '_')}.png")
        )
        links = page.eval_on_selector_all(
            "a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
        )
        queue.extend((link, clicks + 1) for link in links if kind(link) not in seen)
    return visited, problems


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_phone(demo_server, browser, role, lang):
    journey = Journey(f"phone-{role}-{lang}", demo_server, browser, shop=None)
    try:
        page = journey.actor(locale="zh-CN" if lang == "zh" else "en-US", phone=True)
        page.goto("/")
        if role != "visitor":
            sign_in(page, f"{role}@demo.kol.test")
        use_language(page, lang)
        problems = open_menu(page)
        # Every kind of page in English; in Chinese (labels shorter on screen, but never broken
        # inside a word) the home page and what it links to: the role's menu.
        visited, more = crawl(journey, page, depth=LIMIT if lang == "en" else 1)
        problems += more
        journey.check()  # console errors, failed requests, HTTP >= 400
        assert visited >= 5, f"only {visited} kinds of page found"

        page.set_viewport_size(layout.DESKTOP)
        for path in ("/", "/notifications" if role != "visitor" else "/explore"):
            page.goto(path)
            problems += layout.top_bar(page) + layout.overflow(page)
        journey.shot(page, "desktop-top-bar")
        assert not problems, f"{len(problems)} problems:\n  " + "\n  ".join(problems)
    finally:
        journey.close()


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
