"""Where a signed-in person lands: each role's workbench at ``/`` shows what waits for them with
its deadline and a link to act on it, the menu counts what needs action, the money adds up, and
another party's items never show."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.bids.models import BidStatus
from app.campaigns.models import Invitation
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.extensions import db
from app.finance.models import ReconciliationItem, ReconciliationPeriod, ReconciliationRun
from app.ledger.services import totals_by_kind
from app.money import format_money
from app.notes.models import Note, NoteStatus
from app.notifications.services import notify
from app.payments.models import Payout, PayoutStatus
from app.profiles.models import Verification, VerificationRequest
from tests.analytics.support import event, published_note
from tests.conftest import signed_in
from tests.factories import make_bid, make_campaign, make_deal, make_kol, make_user


def home(app, user) -> str:
    response = signed_in(app, user).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def menu_count(html: str, href: str) -> int | None:
    """The count beside a top-bar item, None when it shows none."""
    bar = html[html.index('<nav class="mainnav"') : html.index("</nav>")]
    found = re.search(rf'<a href="{re.escape(href)}"[^>]*>[^<]*<span class="nav-count">(\d+)', bar)
    return int(found.group(1)) if found else None


def submitted_note(deal) -> Note:
    """The deal's note, submitted for the brand's review (the contract is in review)."""
    note = Note(
        contract_id=deal.contract.id,
        campaign_id=deal.campaign.id,
        kol_id=deal.kol.id,
        brand_id=deal.brand.id,
        category=deal.campaign.category,
        title="Glow week one",
        body="#ad",
        tracking_code=secrets.token_hex(5),
        status=NoteStatus.SUBMITTED,
    )
    db.session.add(note)
    db.session.commit()
    return note


# -- brand ------------------------------------------------------------------------------------


def test_a_brand_sees_the_bid_note_and_contract_waiting_with_deadlines_and_links(app):
    brand = make_user(Role.BRAND)
    bid = make_deal("bid", brand=brand, title="Serum launch").bid
    reviewing = make_deal("submitted", brand=brand, title="Mask week")
    note = submitted_note(reviewing)
    unfunded = make_deal("awaiting_funding", brand=brand, title="Toner drop").contract
    unfunded.funding_deadline = utcnow() + timedelta(days=2)
    db.session.commit()

    html = home(app, brand)
    assert f'href="/bids/{bid.id}"' in html and "Serum launch" in html
    assert f'href="/notes/{note.id}/review"' in html and "Glow week one" in html
    review_due = db.session.get(Contract, reviewing.contract.id).review_due_at
    assert f"Approved automatically {review_due:%Y-%m-%d %H:%M}" in html
    assert f'href="/contracts/{unfunded.id}"' in html
    fund = format_money(unfunded.price + unfunded.brand_fee, unfunded.currency)
    assert f"Fund {fund}" in html
    assert f"Cancelled if unfunded {unfunded.funding_deadline:%Y-%m-%d %H:%M}" in html
    assert "Expires " in html  # the bid's campaign closes for bids: it expires then
    # The menu counts what waits: one bid, one contract to fund, one note to review.
    assert menu_count(html, "/bids") == 1
    assert menu_count(html, "/contracts") == 1
    assert menu_count(html, "/notes") == 1


def test_the_menu_counts_are_the_same_on_every_page(app):
    brand = make_user(Role.BRAND)
    for _ in range(2):
        make_deal("bid", brand=brand)
    make_deal("awaiting_funding", brand=brand)
    client = signed_in(app, brand)
    for page in ("/", "/notifications", "/campaigns/mine"):
        html = client.get(page).get_data(as_text=True)
        assert (menu_count(html, "/bids"), menu_count(html, "/contracts")) == (2, 1), page
        assert menu_count(html, "/notes") is None, page


def test_another_brands_items_never_show_on_a_workbench(app):
    mine, theirs = make_user(Role.BRAND), make_user(Role.BRAND)
    their_bid = make_deal("bid", brand=theirs, title="Their secret launch").bid
    their_contract = make_deal("awaiting_funding", brand=theirs).contract
    html = home(app, mine)
    assert "Their secret launch" not in html
    assert f"/bids/{their_bid.id}" not in html and f"/contracts/{their_contract.id}" not in html
    assert menu_count(html, "/bids") is None and menu_count(html, "/contracts") is None
    assert "Nothing waits for you." in html
    assert "No campaign is running." in html


def test_a_running_campaign_shows_its_figures_and_a_chart_each(app):
    from app.analytics.rollups import ingest_events

    brand = make_user(Role.BRAND)
    campaign = make_campaign(brand, title="Glow launch", budget=2_000_000, notes_wanted=5)
    note = published_note(campaign)
    ingest_events([event(note, visitor=f"{i:032x}") for i in range(3)] + [event(note, "click")])
    html = home(app, brand)
    card = html[html.index("Glow launch") :]
    card = card[: card.index("</article>")]
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", card))
    assert figures["Views"] == "3" and figures["Clicks"] == "1" and figures["Conversions"] == "0"
    contract = db.session.get(Contract, note.contract_id)
    assert figures["Spend"] == format_money(contract.price + contract.brand_fee, "usd")
    assert figures["ROAS"] == "0.00×"  # no revenue yet, against what was spent
    assert card.count('class="sparkline"') == 3  # views, clicks, conversions


# -- KOL --------------------------------------------------------------------------------------


def test_a_kol_sees_invitations_counter_offers_and_notes_due_with_links(app):
    kol = make_kol(verified=True)
    invited = make_campaign(title="Invited launch")
    db.session.add(Invitation(campaign_id=invited.id, kol_id=kol.id))
    countered = make_bid(make_campaign(title="Haggle launch"), kol, price=60_000)
    countered.status, countered.turn = BidStatus.COUNTERED, "kol"
    due = make_deal("funded", kol=kol, title="Write me launch").contract
    db.session.commit()

    html = home(app, kol)
    assert f'href="/campaigns/{invited.id}/bid"' in html and "Bid on Invited launch" in html
    assert f"Bids close {invited.application_deadline:%Y-%m-%d %H:%M}" in html
    assert f'href="/bids/{countered.id}"' in html
    assert f"Answer {format_money(60_000, 'usd')}" in html
    assert f'href="/contracts/{due.id}/note"' in html and f"Due {due.due_date}" in html
    assert menu_count(html, "/campaigns/invitations") == 1
    assert menu_count(html, "/bids") == 1
    assert menu_count(html, "/my/notes") == 1


def test_an_invitation_once_bid_on_waits_no_more(app):
    kol = make_kol(verified=True)
    campaign = make_campaign(title="Answered launch")
    db.session.add(Invitation(campaign_id=campaign.id, kol_id=kol.id))
    make_bid(campaign, kol)
    html = home(app, kol)
    assert "Bid on Answered launch" not in html
    assert menu_count(html, "/campaigns/invitations") is None


def test_a_new_kol_sees_empty_states_and_campaigns_that_fit(app):
    kol = make_kol(verified=True)
    make_campaign(title="Open to all launch")
    html = home(app, kol)
    assert "Nothing waits for you." in html
    assert "No money is on its way yet." in html
    fits = html[html.index("Fits you") :]
    assert "Open to all launch" in fits


def test_the_money_on_the_way_is_what_the_kol_will_really_receive(app):
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    kol = make_kol(verified=True)
    first = make_deal("funded", kol=kol, price=50_000, app=app, emulator=emulator).contract
    second = make_deal("funded", kol=kol, price=30_000, app=app, emulator=emulator).contract
    client = signed_in(app, kol)
    html = client.get("/").get_data(as_text=True)
    money = html[html.index("Money on the way") : html.index("Fits you")]
    net = [c.price - c.kol_fee for c in (first, second)]
    for contract, amount in zip((first, second), net, strict=True):
        assert f'href="/contracts/{contract.id}">{format_money(amount, "usd")}</a>' in money
    # Net of the KOL fee, and the same sum as the earnings page's "Held for you".
    assert f"<strong>{format_money(sum(net), 'usd')}</strong>" in money
    assert format_money(first.price, "usd") not in money
    earnings = client.get("/earnings").get_data(as_text=True)
    assert format_money(sum(net), "usd") in earnings


# -- finance and admin ------------------------------------------------------------------------


def test_finance_sees_money_per_currency_failed_payouts_and_differences(app):
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    deal = make_deal("funded", price=40_000, app=app, emulator=emulator)
    payout = Payout(
        contract_id=deal.contract.id, kol_id=deal.kol.id, stage="approval", amount=12_345,
        currency="usd", status=PayoutStatus.FAILED, last_error="account closed",
    )  # fmt: skip
    now = utcnow()
    period = ReconciliationPeriod(starts_at=now - timedelta(days=1), ends_at=now)
    db.session.add_all([payout, period])
    db.session.flush()
    run = ReconciliationRun(period_id=period.id, status="done", difference_count=1)
    db.session.add(run)
    db.session.flush()
    db.session.add(
        ReconciliationItem(run_id=run.id, kind="missing_in_ledger", txn_type="charge",
                           currency="usd", stripe_amount=999, stripe_currency="usd")
    )  # fmt: skip
    db.session.commit()

    html = home(app, make_user(Role.FINANCE))
    held = totals_by_kind()[("held", "usd")]
    assert held == deal.contract.price + deal.contract.brand_fee
    assert format_money(held, "usd") in html
    assert f'href="/finance/contracts/{deal.contract.id}">{format_money(12_345, "usd")}' in html
    assert "missing in ledger" in html and f"/finance/reconciliation/runs/{run.id}" in html
    assert menu_count(html, "/finance/payouts") == 1
    assert menu_count(html, "/finance/reconciliation") == 1


def test_an_admin_sees_each_queue_with_its_count_and_links(app):
    kol = make_kol()
    request = VerificationRequest(kol_id=kol.id, handles="@glow", status=Verification.PENDING)
    disputed = make_deal("funded").contract
    disputed.status = ContractStatus.DISPUTED
    db.session.add(request)
    db.session.commit()
    html = home(app, make_user(Role.ADMIN))
    assert f'href="/admin/verifications/{request.id}"' in html
    assert f'href="/admin/disputes/{disputed.id}"' in html
    assert menu_count(html, "/admin/verifications") == 1
    assert menu_count(html, "/admin/disputes") == 1


def test_an_admin_with_empty_queues_is_told_so(app):
    html = home(app, make_user(Role.ADMIN))
    assert "Every queue is empty." in html and 'class="nav-count"' not in html


def test_a_shopper_lands_on_the_feed(app):
    response = signed_in(app, make_user(Role.SHOPPER)).get("/")
    assert response.status_code == 302 and response.location.endswith("/feed")


def test_a_visitor_still_gets_the_front_page(client):
    html = client.get("/").get_data(as_text=True)
    assert "I am a brand" in html and "Workbench" not in html


@pytest.mark.parametrize("role", [Role.BRAND, Role.KOL, Role.FINANCE, Role.ADMIN])
def test_every_workbench_reads_in_chinese(app, role):
    user = make_user(role) if role != Role.KOL else make_kol(verified=True)
    user.locale = "zh_Hans"
    db.session.commit()
    html = home(app, user)
    assert "工作台" in html and "Workbench" not in html
    main = html[html.index("<main") :]
    # Every heading and every empty state is in Chinese.
    texts = re.findall(r"<h2[^>]*>(.*?)</h2>", main, re.S)
    texts += re.findall(r'<p class="muted small">(.*?)</p>', main, re.S)
    texts += re.findall(r'<div class="empty[^"]*"><p>(.*?)</p>', main, re.S)
    assert len(texts) >= 3
    for text in texts:
        words = re.sub(r"<[^>]+>|\d+", "", text).strip()
        assert re.search(r"[\u4e00-\u9fff]", words), f"not in Chinese: {words!r}"


def test_after_approval_only_the_keep_live_share_is_on_the_way_until_the_note_comes_down(app):
    emulator = app.extensions["stripe_emulator"]
    emulator.reset(keep_endpoints=True)
    deal = make_deal("published", app=app, emulator=emulator, onboarded=True)
    contract = db.session.get(Contract, deal.contract.id)
    assert contract.status == ContractStatus.RELEASED
    client = signed_in(app, deal.kol)

    def money() -> str:
        html = client.get("/").get_data(as_text=True)
        return html[html.index("Money on the way") : html.index("Fits you")]

    net = contract.price - contract.kol_fee
    rest = money()
    # The share paid on approval has gone out; what is left waits for the keep-live period.
    assert format_money(net, "usd") not in rest
    assert "if the note stays live" in rest
    earnings = client.get("/earnings").get_data(as_text=True)
    held = re.search(r"<dt>Held for you</dt><dd>([^<]+)</dd>", earnings).group(1)
    assert held != format_money(0, "usd") and f"<strong>{held}</strong>" in rest
    assert f"{contract.keep_live_until:%Y-%m-%d %H:%M}" in rest
    note = db.session.get(Note, deal.note.id)
    note.status = NoteStatus.TAKEN_DOWN  # down before keep-live ends: the rest goes back
    contract.keep_live_breached_at = utcnow()
    db.session.commit()
    assert "No money is on its way yet." in money()


def test_a_cached_workbench_shows_a_new_bid_at_once(app, cache_on):
    """The workbench is kept per viewer; a bid notifies the brand, which rebuilds it."""
    from app.bids.services import create_bid

    brand = make_user(Role.BRAND)
    campaign = make_campaign(brand, title="Cached launch")
    client = signed_in(app, brand)
    client.get("/")  # the "Signed in." flash: not kept
    assert "Nothing waits for you." in client.get("/").get_data(as_text=True)
    assert "Nothing waits for you." in client.get("/").get_data(as_text=True)  # from the cache
    kol = make_kol(verified=True)
    bid = create_bid(
        campaign_id=campaign.id, kol_id=kol.id, price=50_000, pitch="Me!",
        proposed_delivery=(campaign.delivery_deadline - timedelta(days=2)).date(),
    )  # fmt: skip
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert f'href="/bids/{bid.id}"' in html and menu_count(html, "/bids") == 1
    shopper = signed_in(app, make_user(Role.SHOPPER))
    for _ in range(2):  # rendered, then from the cache: still the feed
        assert shopper.get("/").location.endswith("/feed")


# -- issue 20: the KOL's "Fits you" and recent activity -----------------------------------------


def test_fits_you_leaves_out_campaigns_the_kol_bid_on_or_holds_a_contract_for(app):
    kol = make_kol(verified=True)
    make_campaign(title="Fresh launch")
    make_bid(make_campaign(title="Already bid launch"), kol)
    withdrawn = make_bid(make_campaign(title="Withdrawn bid launch"), kol)
    withdrawn.status = BidStatus.WITHDRAWN
    make_deal("funded", kol=kol, title="Contracted launch")
    db.session.commit()
    fits = home(app, kol)
    fits = fits[fits.index("Fits you") :]
    assert "Fresh launch" in fits
    for engaged in ("Already bid launch", "Withdrawn bid launch", "Contracted launch"):
        assert engaged not in fits


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "You are invited to bid on “Serum week”."), ("zh_Hans", "邀请你为“Serum week”报价。")],
)
def test_a_kol_sees_recent_activity_in_their_own_language(app, locale, words):
    kol = make_kol(verified=True)
    kol.locale = locale
    campaign = make_campaign(title="Serum week")
    notify(user_id=kol.id, kind="invitation", link=f"/campaigns/{campaign.id}", title="Serum week")
    db.session.commit()
    html = home(app, kol)
    activity = html[html.index("Recent activity" if locale == "en" else "最近动态") :]
    assert f'<a href="/campaigns/{campaign.id}">{words}</a>' in activity
