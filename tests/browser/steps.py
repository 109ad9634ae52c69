"""What people do in the journeys, as they do it in the browser (forms, buttons, links)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.server import PASSWORD, READY_KOLS, ROOT, STAFF


def png(colour: str = "#d9467a", size: tuple[int, int] = (640, 480)) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return {"name": "photo.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def submit(page: Page, name: str | re.Pattern, scope=None) -> None:
    """Click a submit button and wait for the page it leads to."""
    button = (scope or page).get_by_role("button", name=name, exact=isinstance(name, str))
    with page.expect_navigation():
        button.first.click()


def follow(page: Page, name: str | re.Pattern, scope=None) -> None:
    link = (scope or page).get_by_role("link", name=name, exact=isinstance(name, str))
    with page.expect_navigation():
        link.first.click()


def flash(page: Page, text: str | re.Pattern) -> None:
    expect(page.locator(".flashes")).to_contain_text(text)


def register(page: Page, role: str, name: str, email: str) -> None:
    page.goto("/auth/register")
    page.locator(f"input[name=role][value={role}]").check()
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    submit(page, "Create account")
    expect(page.locator(".role-badge")).to_be_visible()


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "Sign in", scope=page.locator("main"))
    expect(page.locator(".role-badge")).to_be_visible()


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def create_campaign(
    page: Page,
    title: str,
    product_url: str,
    *,
    budget="3000",
    price_range=("200", "1000"),
    terms: dict[str, str] | None = None,
    invite_only: bool = False,
) -> int:
    """The brand writes a draft and publishes it; the campaign id. ``terms``: the "Pay for
    results" fields by id (commission_percent, bonus_metric, outcome_cap …)."""
    page.goto("/campaigns/mine")
    follow(page, "New campaign")
    now = datetime.now(UTC)
    page.fill("#title", title)
    page.fill("#brief", "Show your morning routine with the serum. Mention the brand and #ad.")
    page.fill("#product_name", "Glow Serum")
    page.fill("#product_url", product_url)
    page.select_option("#category", index=1)
    page.fill("#required_hashtags", "#glowserum")
    page.fill("#usage_rights", "Organic reposts for 6 months.")
    page.fill("#notes_wanted", "2")
    page.select_option("#currency", "usd")
    page.fill("#budget", budget)
    page.fill("#price_min", price_range[0])
    page.fill("#price_max", price_range[1])
    page.fill("#application_deadline", local(now + timedelta(days=7)))
    page.fill("#delivery_deadline", local(now + timedelta(days=21)))
    page.fill("#revision_rounds", "2")
    page.fill("#review_window_days", "5")
    page.fill("#keep_live_days", "30")
    for name, value in (terms or {}).items():
        if page.locator(f"select#{name}").count():
            page.select_option(f"#{name}", value)
        else:
            page.fill(f"#{name}", value)
    if invite_only:
        page.check("#invite_only")
    submit(page, "Save draft")
    campaign_id = int(re.search(r"/campaigns/(\d+)", page.url).group(1))
    submit(page, "Publish")
    return campaign_id


def verified_kol(journey, admin: Page, name: str, email: str, handle: str) -> Page:
    """A KOL registers, lists a social account and asks for verification with a screenshot;
    the admin approves it in the verification queue. The KOL's page."""
    kol = journey.actor()
    register(kol, "kol", name, email)
    kol.goto("/profile")
    kol.select_option("#platform", index=0)
    kol.fill("#handle", handle)
    kol.fill("#followers", "42000")
    submit(kol, "Add account")
    kol.goto("/profile/verification")
    kol.fill("#handles", f"Instagram @{handle}")
    kol.set_input_files("#screenshot", png())
    submit(kol, "Ask for verification")
    flash(kol, "An admin will review")
    admin.goto("/admin/verifications")
    row = admin.locator("tr", has_text=name)
    follow(admin, "Review", scope=row)
    submit(admin, "Approve")
    kol.goto("/profile/verification")
    expect(kol.locator("h1 .badge")).to_contain_text("Verified")
    return kol


def bid(kol: Page, campaign_title: str, price: str) -> int:
    """The KOL finds the campaign under Campaigns and bids; the bid id."""
    kol.goto("/campaigns")
    kol.fill("input[name=q]", campaign_title)
    with kol.expect_navigation():
        kol.locator("input[name=q]").press("Enter")
    card = kol.locator("article.campaign-card", has_text=campaign_title)
    follow(kol, "Bid", scope=card)
    kol.fill("#price", price)
    kol.fill("#pitch", "Morning routines are my best-performing notes; 40k engaged followers.")
    kol.fill("#proposed_delivery", (datetime.now(UTC) + timedelta(days=14)).date().isoformat())
    submit(kol, "Show fees and continue")
    submit(kol, "Confirm and send the bid")
    return int(re.search(r"/bids/(\d+)", kol.url).group(1))


def staff(journey, role: str, email: str | None = None) -> Page:
    """Finance and admin accounts exist only from the command line (made once per session by
    prepare.py); a member of staff signs in (by default the first account of the role)."""
    page = journey.actor()
    login(page, email or next(e for r, e in STAFF if r == role))
    return page


def ready_kol(journey, phone: bool = False) -> tuple[Page, str]:
    """The journey's KOL, verified beforehand (prepare.py), signs in (on a phone if asked); the
    page and the name."""
    name, email, _handle = READY_KOLS[journey.name]
    page = journey.actor(phone=phone)
    login(page, email)
    return page, name


def counter(brand: Page, campaign_id: int, kol_name: str, price: str) -> None:
    """The brand compares the campaign's bids and counters the KOL's."""
    brand.goto(f"/campaigns/{campaign_id}/bids")
    follow(brand, "Answer", scope=brand.locator("tr", has_text=kol_name))
    brand.fill("#price", price)
    brand.fill("#message", "Can you do it for this? Two stories included.")
    submit(brand, "Show fees and continue")
    submit(brand, "Confirm and send the counter-offer")


def accept(kol: Page, bid_id: int) -> int:
    """The KOL accepts the counter-offer; the contract id."""
    kol.goto(f"/bids/{bid_id}")
    follow(kol, re.compile(r"^Accept "))
    submit(kol, "Accept and create the contract")
    flash(kol, "Deal agreed")
    return int(re.search(r"/contracts/(\d+)", kol.url).group(1))


def fund(brand: Page, contract_id: int, card: str = "4242 4242 4242 4242") -> None:
    """The brand pays on the emulator's hosted Checkout page."""
    brand.goto(f"/contracts/{contract_id}")
    submit(brand, re.compile(r"^Fund this contract"))
    expect(brand.locator("h1")).to_contain_text("Pay")
    brand.fill("#card", card)
    submit(brand, re.compile(r"^Pay "))


def onboard(kol: Page) -> None:
    """The KOL gives their tax details (W-8BEN facts) and links a Stripe Connect account on
    the emulator's onboarding page."""
    kol.goto("/settings/tax")
    kol.fill("#legal_name", "Lin Mei")
    kol.fill("#address", "8 Orchard Rd, Singapore 238823")
    kol.select_option("#tax_residence", "SG")
    kol.select_option("#citizenship", "SG")
    kol.fill("#tin", "S8765432Z")
    kol.fill("#certified_name", "Lin Mei")
    kol.check("#certify")
    submit(kol, "Save tax details")
    flash(kol, "Tax details saved.")
    kol.goto("/settings/payouts")
    submit(kol, re.compile(r"(Set up payouts|Continue) with Stripe"))
    expect(kol.locator("h1")).to_contain_text("Set up payouts")
    submit(kol, "Complete onboarding")


def write_note(kol: Page, contract_id: int, title: str, body: str, photo: bool = True) -> int:
    """The KOL writes the note with a photo and submits it for review; the note id."""
    kol.goto(f"/contracts/{contract_id}")
    follow(kol, re.compile(r"^(Write|Revise) the note$"))
    kol.fill("#title", title)
    kol.fill("#body", body)
    kol.fill("#hashtags", "#ad #glowserum #skincare")
    if photo:
        kol.set_input_files("#images", png("#f3c6d3"))
        expect(kol.locator(".upload-preview img")).to_have_count(1)  # seen before it is sent
    submit(kol, "Save draft")  # sent with a progress bar (static/js/uploads.js)
    if photo:
        flash(kol, "Draft saved.")
    note_id = int(kol.locator("#note-form").get_attribute("data-note-id"))
    submit(kol, "Submit for review")
    return note_id


def request_changes(brand: Page, note_id: int, comment: str) -> None:
    brand.goto("/notes")
    brand.goto(f"/notes/{note_id}/review")
    brand.select_option("#brief_item", index=1)  # index 0 is the "Choose…" placeholder
    brand.fill("#comment", comment)
    submit(brand, "Request changes")


def approve(brand: Page, note_id: int) -> None:
    brand.goto(f"/notes/{note_id}/review")
    submit(brand, "Approve and publish")
    expect(brand.locator(".confirm-money")).to_contain_text("This releases")
    submit(brand, re.compile(r"^Confirm: approve and release"))


def until(page: Page, path: str, locator: str, text: str | re.Pattern, timeout: float = 60) -> None:
    """Reload `path` until `locator` shows `text`: with Redis, jobs and tracking hits are
    handled by the worker and the writer a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(path)
        found = page.locator(locator)
        content = " ".join(found.all_inner_texts())
        if text.search(content) if isinstance(text, re.Pattern) else text in content:
            return
        if time.monotonic() > deadline:
            expect(found.first).to_contain_text(text, timeout=1)  # fails with the page's text
        time.sleep(0.5)


def fact(page: Page, label: str) -> str:
    """The value next to a label in a facts list (<dt>label</dt><dd>value</dd>)."""
    return (
        page.locator(f"xpath=//dt[normalize-space()='{label}']/following-sibling::dd[1]")
        .first.inner_text()
        .strip()
    )


def create_api_key(page: Page, name: str) -> str:
    page.goto("/settings/api-keys")
    page.fill("#name", name)
    submit(page, "Create key")
    return page.locator("pre.copyable code").inner_text().strip()


def report_conversion(page: Page, key: str, click_id: str, order_id: str, value: int) -> dict:
    """The brand's shop server reports an order to /api/v1/conversions with the click id."""
    response = page.request.post(
        "/api/v1/conversions",
        headers={"Authorization": f"Bearer {key}"},
        data={"click_id": click_id, "order_id": order_id, "value": value, "currency": "usd"},
    )
    assert response.status == 201, response.text()
    return response.json()


def reconcile_today(finance: Page) -> None:
    """Finance runs a reconciliation of today (UTC) and waits for its result."""
    today = datetime.now(UTC).date().isoformat()
    finance.goto("/finance/reconciliation")
    finance.fill("#date_from", today)
    finance.fill("#date_to", today)
    submit(finance, "Start reconciliation")
    # finance.js polls the run and reloads the page when it has finished.
    expect(finance.locator(".run-progress")).to_have_attribute(
        "data-finished", "yes", timeout=30_000
    )


def brand_accepts(brand: Page, bid_id: int) -> int:
    """The brand accepts the KOL's bid as offered; the contract id."""
    brand.goto(f"/bids/{bid_id}")
    follow(brand, re.compile(r"^Accept "))
    submit(brand, "Accept and create the contract")
    flash(brand, "Deal agreed")
    return int(re.search(r"/contracts/(\d+)", brand.url).group(1))


def contract_action(page: Page, contract_id: int, summary: str, reason: str, button: str) -> None:
    """Cancel or dispute from the contract page (a folded form with a required reason)."""
    page.goto(f"/contracts/{contract_id}")
    box = page.locator("details.money-action", has_text=summary)
    box.locator("summary").click()
    box.locator("textarea").fill(reason)
    submit(page, button, scope=box)


CJK = re.compile(r"[\u4e00-\u9fff]")


def to_chinese(page: Page) -> None:
    """Switch the interface language with the top bar's 中文 button (signed in: a CSRF form)
    or link (visitors: GET /lang/zh_Hans, no session)."""
    bar = page.locator(".topbar")
    if bar.get_by_role("link", name="中文", exact=True).count():
        follow(page, "中文", scope=bar)
    else:
        submit(page, "中文", scope=bar)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh"))


def assert_chinese(page: Page, path: str, heading: bool = True) -> None:
    """The page is served in Chinese: its heading (or, for user content, the page's own
    labels) and the top bar."""
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh"))
    text = page.locator("main h1").first.inner_text() if heading else page.inner_text("main")
    assert CJK.search(text), f"{path}: not in Chinese: {text[:200]!r}"
    nav = page.locator(".topbar").inner_text()
    assert CJK.search(nav), f"{path}: the top bar is not in Chinese: {nav!r}"


def server_ops(journey, *args) -> dict:
    """tests/browser/journey_ops.py on the journey server's database and emulator: the
    preconditions a journey is not about, and what a browser cannot count."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.browser.journey_ops", *map(str, args)],
        cwd=ROOT,
        env=journey.server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
