"""The bench's data (built once per database) and its credentials (made fresh each run)."""

from __future__ import annotations

import http.client
import re
import secrets
from urllib.parse import urlencode

from sqlalchemy import func, select

BRAND_EMAIL = "brand@bench.kol.test"
FINANCE_EMAIL = "finance@bench.kol.test"  # the finance dashboard's reader
KOLS = 12  # KOLs with a note in the dashboard campaign (and a bid key each)
EXTRA_NOTES = 48  # more published notes: /explore has two full pages
OPEN_CAMPAIGNS = 60  # campaigns to discover and bid on
DEEP_PAGE = 50  # issue 26: page 50 of /explore and of the finance ledger, as fast as page 1
DEEP_NOTES = DEEP_PAGE * 24 + 24  # /explore's 24 a page (app.notes.queries.PER_PAGE)
DEEP_ENTRIES = DEEP_PAGE * 50 + 50  # the ledger's 50 a page (app.finance.queries.PER_PAGE)
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Accept-Language": "en-GB,en;q=0.8",
}
BODY = (
    "Three weeks with the serum, morning and night.\n\n"
    "**What I liked:** the texture, the smell, how little you need.\n\n"
    "- day 1: a bit sticky\n- day 7: skin calmer\n- day 21: I keep it\n\n" * 4
) + "#ad #glowserum"


def _note(campaign, kol, n: int):
    from app.contracts.models import ContractStatus
    from app.db_types import utcnow
    from app.extensions import db
    from app.notes.models import Note, NoteStatus
    from tests.factories import make_bid, make_contract

    contract = make_contract(
        make_bid(campaign, kol), status=ContractStatus.FUNDED, funded_at=utcnow()
    )
    note = Note(
        contract_id=contract.id,
        campaign_id=campaign.id,
        kol_id=kol.id,
        brand_id=campaign.brand_id,
        category=campaign.category,
        title=f"My glow routine, week {n}",
        body=BODY,
        hashtags="#glowserum #skincare",
        slug=f"my-glow-routine-week-{n}",
        tracking_code=secrets.token_hex(5),
        status=NoteStatus.PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(note)
    db.session.commit()
    return note


def build() -> None:
    """Users, campaigns and published notes, inserted once (tests/factories.py)."""
    from app.auth.models import Role
    from tests.factories import make_campaign, make_kol, make_user

    brand = make_user(Role.BRAND, email=BRAND_EMAIL, name="Bench Cosmetics")
    kols = [make_kol(verified=True, email=f"kol{i}@bench.kol.test") for i in range(KOLS)]
    other = make_campaign(brand, title="Bench other campaign", notes_wanted=200,
                          budget=100_000_000)  # fmt: skip
    for i in range(EXTRA_NOTES):
        _note(other, kols[i % KOLS], KOLS + i)
    for i in range(OPEN_CAMPAIGNS):
        make_campaign(brand, title=f"Open bench campaign {i}", notes_wanted=50,
                      budget=50_000_000)  # fmt: skip


def dashboard(brand, kols, size: int):
    """The campaign whose dashboard is measured at ``size`` events: one per size, each with a
    note from every bench KOL, so the sizes compare campaigns of the same shape."""
    from app.campaigns.models import Campaign
    from app.extensions import db
    from tests.factories import make_campaign

    title = f"Bench dashboard {size}"
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.brand_id == brand.id, Campaign.title == title)
    )
    if campaign is None:
        campaign = make_campaign(brand, title=title, notes_wanted=200, budget=100_000_000)
        for i, kol in enumerate(kols):
            _note(campaign, kol, 1000 + i)
    return campaign


def deep_lists() -> None:
    """Enough published notes and journal entries that /explore and the finance ledger have a
    page 50 (added once per database): notes of an archive campaign (the live traffic's notes
    stay the other campaign's), fundings booked on its contracts."""
    from app.auth.models import User
    from app.campaigns.models import Campaign
    from app.extensions import db
    from app.ledger.models import CASH, HELD, JournalEntry
    from app.ledger.services import Leg, post_entry
    from app.notes.models import Note, NoteStatus
    from tests.factories import make_campaign

    brand = db.session.scalar(select(User).where(User.email == BRAND_EMAIL))
    kols = db.session.scalars(
        select(User).where(User.email.like("kol%@bench.kol.test")).order_by(User.id)
    ).all()
    title = "Bench archive campaign"
    archive = db.session.scalar(select(Campaign).where(Campaign.title == title))
    if archive is None:
        archive = make_campaign(brand, title=title, notes_wanted=5000, budget=100_000_000)
    published = db.session.scalar(
        select(func.count()).select_from(Note).where(Note.status == NoteStatus.PUBLISHED)
    )
    for i in range(published, DEEP_NOTES):
        _note(archive, kols[i % KOLS], 10_000 + i)
    entries = db.session.scalar(select(func.count()).select_from(JournalEntry))
    contracts = db.session.scalars(
        select(Note.contract_id).where(Note.campaign_id == archive.id).order_by(Note.id)
    ).all()
    for i in range(entries, DEEP_ENTRIES):
        contract = contracts[i % len(contracts)]
        post_entry(key=f"bench-funding:{i}", kind="funding", currency="USD",
                   contract_id=contract, memo=f"Bench funding {i}",
                   legs=[Leg(CASH, 10_000), Leg(HELD, -10_000, contract_id=contract)])  # fmt: skip
        if i % 500 == 0:
            db.session.commit()
    db.session.commit()


def deep_cursor(stmt, keys, per_page: int) -> str:
    """The cursor of page DEEP_PAGE of a newest-first list by ``keys``: what a reader following
    "Next" 49 times is given (the key of page 49's last row)."""
    from app.extensions import db
    from app.pagination import encode_cursor

    ordered = stmt.order_by(*(key.desc() for key in keys))
    row = db.session.execute(ordered.offset((DEEP_PAGE - 1) * per_page - 1).limit(1)).one()
    return encode_cursor(tuple(row))


def state(sizes: list[int]) -> dict:
    """Ids the bench needs, plus fresh API keys (shown once, so made each run)."""
    from app.auth.models import User
    from app.auth.services import create_api_key
    from app.campaigns.models import Campaign, CampaignStatus
    from app.extensions import db
    from app.notes.models import Note, NoteStatus

    brand = db.session.scalar(select(User).where(User.email == BRAND_EMAIL))
    if brand is None:
        build()
        brand = db.session.scalar(select(User).where(User.email == BRAND_EMAIL))
    deep_lists()
    kols = db.session.scalars(
        select(User).where(User.email.like("kol%@bench.kol.test")).order_by(User.id)
    ).all()
    dashboards = {size: dashboard(brand, kols, size).id for size in sizes}
    open_ids = db.session.scalars(
        select(Campaign.id).where(
            Campaign.brand_id == brand.id,
            Campaign.status == CampaignStatus.OPEN,
            Campaign.title.like("Open bench%"),
        )
    ).all()
    # Live traffic (batch, mixed load) goes to the other campaign's notes; generated volume
    # only to the dashboard campaigns' notes, so live events are counted by note cheaply.
    other = db.session.scalar(
        select(Campaign.id).where(Campaign.brand_id == brand.id,
                                  Campaign.title == "Bench other campaign")
    )  # fmt: skip
    live = db.session.scalars(
        select(Note)
        .where(Note.campaign_id == other, Note.status == NoteStatus.PUBLISHED)
        .order_by(Note.id)
    ).all()
    # The note page and /go loads too: their events would otherwise land in a dashboard
    # campaign, and a database where they reached its size would never get the generated
    # 60 days of volume (a campaign of two hourly rows measured as "1,000,000 events").
    note = live[0]
    if db.session.scalar(select(User.id).where(User.email == FINANCE_EMAIL)) is None:
        from app.auth.models import Role
        from tests.factories import make_user

        make_user(Role.FINANCE, email=FINANCE_EMAIL, name="Bench Finance")
    keys = {"brand": create_api_key(user_id=brand.id, name="bench")[1]}
    keys["kols"] = [create_api_key(user_id=k.id, name="bench")[1] for k in kols]
    db.session.commit()
    published = db.session.scalar(
        select(func.count()).select_from(Note).where(Note.status == NoteStatus.PUBLISHED)
    )
    from app.finance.queries import PER_PAGE as LEDGER_PER_PAGE
    from app.ledger.models import JournalEntry
    from app.notes.queries import NEWEST
    from app.notes.queries import PER_PAGE as EXPLORE_PER_PAGE

    published_notes = select(*NEWEST).where(Note.status == NoteStatus.PUBLISHED)
    explore_cursor = deep_cursor(published_notes, NEWEST, EXPLORE_PER_PAGE)
    ledger_cursor = deep_cursor(select(JournalEntry.id), (JournalEntry.id,), LEDGER_PER_PAGE)
    return {
        "explore_deep_path": f"/explore?cursor={explore_cursor}",
        "ledger_deep_path": f"/finance/ledger?cursor={ledger_cursor}",
        "brand_email": BRAND_EMAIL,
        "finance_email": FINANCE_EMAIL,
        "kol_email": kols[0].email,
        # The throughput targets read the largest campaign's dashboard (issue 26: 10M events).
        "dashboard_campaign": dashboards[sizes[-1]],
        "dashboards": dashboards,
        "note_path": f"/n/{note.id}-{note.slug}",
        "note_code": note.tracking_code,
        "open_campaigns": list(open_ids),
        "published_notes": published,
        "tracking_notes": [n.id for n in live],
        "mixed_note_paths": [f"/n/{n.id}-{n.slug}" for n in live],
        "mixed_codes": [n.tracking_code for n in live],
        "batch_code": live[0].tracking_code,
        "keys": keys,
    }


def login_cookie(host: str, port: int, email: str, password: str) -> str:
    """Sign in through the login form, as a browser does; the session cookie to send."""

    def request(method, path, body=None, cookie=""):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        headers = dict(BROWSER)
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        cookies = [h.split(";", 1)[0] for k, h in response.getheaders() if k == "Set-Cookie"]
        conn.close()
        return response.status, text, cookies

    _status, page, cookies = request("GET", "/auth/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    form = urlencode({"csrf_token": token.group(1), "email": email, "password": password})
    status, _page, new = request("POST", "/auth/login", form, "; ".join(cookies))
    session = [c for c in new if c.startswith("session=")]
    if status != 302 or not session:
        raise RuntimeError(f"sign-in failed for {email}: {status}")
    # Follow the redirect as a browser does: the page shows (and removes) the "Signed in."
    # message; a cookie that still carried it would make every request a first one.
    _status, _page, after = request("GET", "/", cookie=session[-1])
    session += [c for c in after if c.startswith("session=")]
    return session[-1]


def visit_cookies(base: str, path: str) -> str:
    """The cookies a first visit of ``path`` sets, as a Cookie header."""
    import urllib.request

    request = urllib.request.Request(base + path, headers=BROWSER)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1
        cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join(c.split(";", 1)[0] for c in cookies)
