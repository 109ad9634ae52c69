"""Browser journeys: Debian's headless Chromium driven by Playwright against the app served on
127.0.0.1 (see server.py). Each journey saves screenshots of its main pages under
artifacts/screenshots/<journey>/ and fails on any console error, uncaught page error, failed
request or response >= 400 that the journey did not announce with `journey.expect(...)`, and on
any page wider than the screen: each screenshot is taken at the actor's size and, for a desktop
actor, again at a phone's (390 x 844, `*-phone.png`), and fails on what sticks out (layout.py).

A missing Chromium is a failure, never a skip: CI installs it (`.ci/run`)."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser import layout
from tests.browser.server import ROOT, Server, Shop

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts"
# Headless Chromium names itself "HeadlessChrome", which the analytics count as a robot; the
# journeys' people browse with the same engine under the name a desktop Chrome sends.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def _transaction():
    """The journeys use their own server and database, not the suite's rolled-back
    transaction (this replaces tests/conftest.py's autouse fixture here)."""
    yield


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="kol-journeys-"))
    app_server = Server(tmp, ARTIFACTS / "browser-logs")
    try:
        app_server.start()
        yield app_server
    finally:
        app_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def shop() -> Iterator[Shop]:
    brand_shop = Shop()
    yield brand_shop
    brand_shop.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser journeys need Debian's Chromium. Install it with "
            "`apt-get install -y --no-install-recommends chromium chromium-driver "
            "fonts-noto-cjk` (.ci/run does this in CI).",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - requirements-dev.txt pins it
        pytest.fail(f"Playwright is not installed ({error}): run `make install`")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data dir, deleted on close.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class Journey:
    """One journey: its actors (one browser context each), screenshots and the problems seen."""

    def __init__(self, name: str, server: Server, browser, shop: Shop) -> None:
        self.name = name
        self.shop = shop
        self.server = server
        self.browser = browser
        self.shots = ARTIFACTS / "screenshots" / name
        shutil.rmtree(self.shots, ignore_errors=True)
        self.shots.mkdir(parents=True)
        self.count = 0
        self.clock = [time.monotonic()]
        self.timings: list[str] = []
        self.problems: list[str] = []
        self.expected: list[tuple[int, re.Pattern]] = []
        self.contexts: list = []

    def actor(self, locale: str = "en-US", phone: bool = False):
        """A new person: a browser context with its own cookies; returns its page. A phone's
        screen is 390 x 844 CSS px and touch, as an iPhone 14's."""
        context = self.browser.new_context(
            base_url=self.server.base_url,
            user_agent=USER_AGENT,
            locale=locale,
            viewport=layout.PHONE if phone else {"width": 1280, "height": 900},
            has_touch=phone,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.watch(page)
        return page

    def watch(self, page) -> None:
        def console(message) -> None:
            if message.type == "error":
                where = message.location.get("url") or page.url
                self.problems.append(f"console error on {page.url} ({where}): {message.text}")

        def response(resp) -> None:
            if resp.status >= 400 and not self._is_expected(resp.status, resp.url):
                self.problems.append(f"HTTP {resp.status} for {resp.request.method} {resp.url}")

        def failed(request) -> None:
            # Cancelled by the browser itself (the icon fetch cut short by the next navigation);
            # anything that reached the server still shows its status in `response`.
            if request.failure == "net::ERR_ABORTED":
                return
            self.problems.append(
                f"request failed: {request.method} {request.url}: {request.failure}"
            )

        page.on("console", console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", response)
        page.on("requestfailed", failed)
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm forms

    def _is_expected(self, status: int, url: str) -> bool:
        return any(status == code and pattern.search(url) for code, pattern in self.expected)

    @contextmanager
    def expect(self, status: int, url_pattern: str):
        """Responses with this status on matching URLs are part of the journey, not a failure."""
        entry = (status, re.compile(url_pattern))
        self.expected.append(entry)
        try:
            yield
        finally:
            self.expected.remove(entry)

    def shot(self, page, name: str) -> None:
        """Screenshot the page (artifacts/screenshots/<journey>/NN-name.png), and a desktop
        actor's page again at a phone's size (NN-name-phone.png); fail on problems, and on
        anything wider than the screen at either size."""
        page.wait_for_load_state("load")
        self.count += 1
        page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)
        self.problems += layout.overflow(page)
        size = page.viewport_size
        if size["width"] > layout.PHONE["width"]:
            page.set_viewport_size(layout.PHONE)
            self.problems += layout.overflow(page)
            path = self.shots / f"{self.count:02d}-{name}-phone.png"
            page.screenshot(path=str(path), full_page=True)
            page.set_viewport_size(size)
        self.clock.append(time.monotonic())
        self.timings.append(f"{self.clock[-1] - self.clock[-2]:6.1f} s  {self.count:02d}-{name}")
        self.check()

    def check(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "browser problems:\n  " + "\n  ".join(problems)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        # Where the journey's time goes: seconds up to each screenshot.
        total = f"{time.monotonic() - self.clock[0]:6.1f} s  total"
        (self.shots / "timings.txt").write_text("\n".join([*self.timings, total]) + "\n")


@pytest.fixture
def journey(request, server, browser, shop) -> Iterator[Journey]:
    current = Journey(request.node.name.removeprefix("test_"), server, browser, shop)
    try:
        yield current
        current.check()
    finally:
        current.close()
