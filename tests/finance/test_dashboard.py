"""The dashboard's figures equal sums taken straight from the ledger lines."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import event, select

from app import viewer_cache
from app.extensions import db
from app.finance import figures
from app.ledger.models import JournalEntry, LedgerAccount, LedgerLine
from app.payments.disputes import open_dispute
from tests.conftest import signed_in
from tests.factories import make_deal, make_user
from tests.finance.support import refunded_deal, released_deal

pytestmark = pytest.mark.usefixtures("books_balance")


def _direct_sums() -> dict[str, int]:
    """Each figure recomputed line by line in Python, from its definition in words."""
    rows = db.session.execute(
        select(LedgerLine.amount, LedgerAccount.kind, JournalEntry.kind, LedgerAccount.contract_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .join(JournalEntry, JournalEntry.id == LedgerLine.entry_id)
        .where(LedgerLine.currency == "usd")
    ).all()
    sums: dict[str, int] = defaultdict(int)
    for amount, account, entry, _contract in rows:
        if account == "held":
            sums["held"] -= amount
            if entry == "funding":
                sums["funded"] -= amount
            if entry == "release":
                sums["released"] += amount
        if account == "payable":
            sums["payable"] -= amount
        if account == "stripe_cash" and entry == "transfer":
            sums["paid_out"] -= amount
        if account == "stripe_cash" and entry == "refund":
            sums["refunded"] -= amount
        if account == "platform_revenue":
            sums["revenue"] -= amount
        if account == "stripe_fees":
            sums["stripe_fees"] += amount
    return sums


def _disputed_deal(app, emulator):
    deal = make_deal("submitted", app=app, emulator=emulator, price=40_000)
    open_dispute(contract_id=deal.contract.id, user_id=deal.brand.id, reason="late")
    db.session.commit()
    return deal.contract


def _count_queries(func):
    statements = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        result = func()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return result, len(statements)


def test_dashboard_figures_equal_the_ledger_line_sums(app, stripe_emulator):
    released_deal(app, stripe_emulator)
    _b, _k, _refunded = refunded_deal(app, stripe_emulator)
    first, queries_for_two = _count_queries(figures.dashboard)
    disputed = _disputed_deal(app, stripe_emulator)

    board, queries_for_three = _count_queries(figures.dashboard)

    usd = board.figures["usd"]
    expected = _direct_sums()
    for name in (
        "held",
        "payable",
        "funded",
        "released",
        "paid_out",
        "refunded",
        "revenue",
        "stripe_fees",
    ):
        assert usd[name] == expected[name], name
    assert usd["funded"] == 52_500 + 31_500 + 42_000
    assert usd["refunded"] == 31_500
    assert usd["disputed_frozen"] == 42_000  # what is held on the disputed contract
    assert usd["paid_out"] > 0 and usd["revenue"] > 0 and usd["stripe_fees"] > 0
    assert queries_for_three == queries_for_two  # constant, whatever the volume
    # the chart's last day holds what is held now; the series add up to the figures
    assert board.series["usd"]["held"][-1] == usd["held"]
    assert sum(board.series["usd"]["released"]) == usd["released"]
    assert first.figures["usd"]["disputed_frozen"] == 0
    assert disputed.id in {
        cid for _c, cid, _a in figures.figure_contracts("disputed_frozen", "usd", None, None)
    }


def test_the_page_shows_the_figures_links_them_to_contracts_and_a_chart(app, stripe_emulator):
    _b, _k, contract = released_deal(app, stripe_emulator)
    client = signed_in(app, make_user("finance"))
    page = client.get("/finance").get_data(as_text=True)
    assert "USD" in page and "<svg" in page and "<polyline" in page
    assert "$525.00" in page  # funded in the period
    drill = client.get("/finance/figures/funded?currency=usd").get_data(as_text=True)
    assert f"/finance/contracts/{contract.id}" in drill and "$525.00" in drill
    timeline = client.get(f"/finance/contracts/{contract.id}").get_data(as_text=True)
    assert "funding" in timeline and "released" in timeline
    assert client.get("/finance/figures/nonsense?currency=usd").status_code == 404


def test_the_page_is_kept_a_few_seconds_says_so_and_refreshes(app, stripe_emulator):
    """Issue 26: a finance reader's dashboard is kept up to ANALYTICS_DASHBOARD_SECONDS (the
    page says so); money that moved meanwhile shows at once with "Refresh now"."""
    from app import pagecache

    released_deal(app, stripe_emulator)
    app.config["PAGE_CACHE"] = True
    pagecache._store.clear()
    try:
        client = signed_in(app, make_user("finance"))
        client.get("/finance")  # any "Signed in." message shown (such a page is never kept)
        first = client.get("/finance").get_data(as_text=True)
        assert "Figures are at most 5 seconds old." in first and "$525.00" in first
        kept = _count_queries(lambda: client.get("/finance"))
        fresh = _count_queries(lambda: client.get("/finance?refresh=1"))
        assert kept[0].get_data(as_text=True) == first
        # Kept: at most the account (without Redis it is loaded each time); afresh: the ledger.
        assert kept[1] <= 1 < fresh[1]
    finally:
        app.config.pop("PAGE_CACHE")
        pagecache._store.clear()


@pytest.mark.redis
def test_with_redis_the_page_is_rebuilt_when_money_moved_not_on_every_change(
    app, stripe_emulator, shared_versions, monkeypatch
):
    """Issue 26: the shared dashboard was rebuilt every few seconds, and its stamp moved on
    any commit naming no brand (a sign-in, a new account). It depends on the ledger's stamp
    alone: when its refresh is due, a copy with no money moved since is kept; a ledger entry (or
    a contract's change) rebuilds it."""
    import time

    from app import pagecache, stamps

    redis = shared_versions
    builds: list[int] = []
    real = figures.dashboard
    monkeypatch.setattr(figures, "dashboard", lambda *a: builds.append(1) or real(*a))

    def due() -> None:
        """The kept copy's refresh is due (40 s since last known current), in a new process."""
        pagecache._store.clear()
        for record in redis.scan_iter("*:stamps"):
            seen, built, _at = redis.get(record).decode().split("|")
            redis.set(record, f"{seen}|{built}|{time.time() - 40}", keepttl=True)
        for lock in redis.scan_iter(viewer_cache.SHARED_LOCK.format("*")):
            redis.delete(lock)

    client = signed_in(app, make_user("finance"))
    client.get("/finance")  # the "Signed in." message (such a page is never kept)
    client.get("/finance")
    assert len(builds) == 2
    ledger = redis.get(stamps.keys_for_ledger()[0])
    make_user("kol")  # a commit naming no brand: the brands' "all" stamp moves
    assert redis.get(stamps.keys_for_ledger()[0]) == ledger
    due()
    assert "$525.00" not in client.get("/finance").get_data(as_text=True)
    assert len(builds) == 2  # kept: nothing it sums changed
    released_deal(app, stripe_emulator)  # money moved: ledger entries, a contract
    assert redis.get(stamps.keys_for_ledger()[0]) != ledger
    due()
    assert "$525.00" in client.get("/finance").get_data(as_text=True)
    assert len(builds) == 3
