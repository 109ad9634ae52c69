"""`make chaos`'s money: deals built before the run (a campaign, an accepted bid and a contract
awaiting funding each, so every effect can be counted per contract), driven during it the
way the brand, the KOL and Stripe drive them, then counted: charges, transfers and refunds
at Stripe (the emulator's objects, by contract metadata) and ledger entries in our database."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.chaos_traffic import Answer, Client

PRICE = 50_000
VIDEO = "https://video.example/chaos-{n}.mp4"
# What each acknowledged step must leave, once, per contract: Stripe objects and our journal
# entries by kind ("paid": the brand paid the Checkout session on Stripe).
EXPECTED = {
    "paid": {"charges": 1, "ledger": ("funding", "stripe_fee")},
    "approve": {"transfers": 1, "ledger": ("release", "transfer")},
    "cancel": {"refunds": 1, "ledger": ("refund_claim", "refund")},
}


@dataclass
class Deal:
    contract_id: int
    kol_key: str
    path: str  # "approve" (note submitted and approved: a transfer) or "cancel" (a refund)
    done: list[str] = field(default_factory=list)  # steps acknowledged, in order
    failed: str | None = None
    session_id: str | None = None
    note_id: int | None = None


def build(app, emulator, deals: int, kols: int = 3) -> dict:
    """Brand, onboarded KOLs (payouts enabled by Stripe's account.updated webhook, delivered to
    gunicorn), one contract awaiting funding per deal, and API keys."""
    from sqlalchemy import select

    from app.auth.models import Role
    from app.auth.services import create_api_key
    from app.campaigns.models import ContentFormat
    from app.extensions import db
    from app.payments import connect
    from app.payments.models import ConnectAccount
    from tests.factories import (
        PASSWORD,
        make_bid,
        make_campaign,
        make_contract,
        make_kol,
        make_user,
    )

    with app.test_request_context():
        brand = make_user(Role.BRAND, email="brand@chaos.kol.test", name="Chaos Cosmetics")
        brand_key = create_api_key(user_id=brand.id, name="chaos")[1]
        people = [make_kol(verified=True, email=f"kol{i}@chaos.kol.test") for i in range(kols)]
        kol_keys = {k.id: create_api_key(user_id=k.id, name="chaos")[1] for k in people}
        db.session.commit()
        for kol in people:
            connect.onboarding_link(user_id=kol.id)
            db.session.commit()
            emulator.complete_onboarding(db.session.get(ConnectAccount, kol.id).stripe_account_id)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            db.session.expire_all()
            ready = db.session.scalars(
                select(ConnectAccount.payouts_enabled).where(
                    ConnectAccount.user_id.in_([k.id for k in people])
                )
            ).all()
            if len(ready) == kols and all(ready):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the KOLs' Connect accounts were not enabled by account.updated")
        built = []
        for n in range(deals):
            kol = people[n % kols]
            campaign = make_campaign(
                brand, title=f"Chaos campaign {n}", content_format=ContentFormat.VIDEO,
                budget=PRICE * 2, notes_wanted=1,
            )  # fmt: skip
            contract = make_contract(make_bid(campaign, kol, price=PRICE))
            path = "cancel" if n % 3 == 2 else "approve"
            built.append(Deal(contract.id, kol_keys[kol.id], path))
        db.session.commit()
    return {"deals": built, "brand_key": brand_key, "brand_email": "brand@chaos.kol.test",
            "password": PASSWORD}  # fmt: skip


def _until(call, done, limit: float) -> Answer | None:
    """``call()`` again (every 0.5 s) until ``done(answer)`` or ``limit`` seconds passed."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        answer = call()
        if done(answer):
            return answer
        time.sleep(0.5)
    return None


def drive(deal: Deal, brand: Client, kol: Client, web: Client, emulator, limit: float) -> None:
    """Fund (API), pay on Stripe, then approve the KOL's note (API) or cancel (web form with
    CSRF), each step retried while the app answers 503 or not at all."""
    cid = deal.contract_id
    status = lambda: kol.request("GET", f"/api/v1/contracts/{cid}").json().get("status")  # noqa: E731
    funded = _until(lambda: brand.request("POST", f"/api/v1/contracts/{cid}/fund"),
                    lambda a: a.status == 200 and "checkout_url" in a.json(), limit)  # fmt: skip
    if funded is None:
        deal.failed = "fund"
        return
    deal.session_id = re.search(r"/checkout/(cs_\w+)", funded.json()["checkout_url"]).group(1)
    emulator.pay_checkout_session(deal.session_id)  # webhooks go to gunicorn, retried by "Stripe"
    deal.done.append("paid")
    if _until(status, lambda s: s == "funded", limit) is None:
        deal.failed = "funded"
        return
    deal.done.append("funded")
    if deal.path == "cancel":
        _cancel(deal, web, status, limit)
        return
    draft = {"title": f"Chaos note {cid}", "body": "Three weeks with the serum. #ad",
             "hashtags": "#glowserum", "video_url": VIDEO.format(n=cid)}  # fmt: skip
    saved = _until(lambda: kol.request("PUT", f"/api/v1/contracts/{cid}/note", body=draft),
                   lambda a: a.status in (200, 201), limit)  # fmt: skip
    if saved is None:
        deal.failed = "draft"
        return
    deal.note_id = nid = saved.json()["id"]
    note = lambda: kol.request("GET", f"/api/v1/notes/{nid}").json().get("status")  # noqa: E731
    for step, who, after in (("submit", kol, {"in_review", "approved", "published"}),
                             ("approve", brand, {"approved", "published"})):  # fmt: skip
        answer = _until(
            lambda who=who, step=step: who.request("POST", f"/api/v1/notes/{nid}/{step}"),
            lambda a, after=after: a.status == 200 or (a.status == 409 and note() in after),
            limit,
        )
        if answer is None:
            deal.failed = step
            return
        deal.done.append(step)


def _cancel(deal: Deal, web: Client, status, limit: float) -> None:
    cid = deal.contract_id

    def attempt() -> str | None:
        if status() == "cancelled":  # an earlier attempt went through, its answer lost
            return "cancelled"
        token = web.csrf_token(f"/contracts/{cid}")
        if token:
            web.request("POST", f"/contracts/{cid}/cancel",
                        form={"csrf_token": token, "reason": "chaos: plans changed"})  # fmt: skip
        return status()

    if _until(attempt, lambda s: s == "cancelled", limit) is None:
        deal.failed = "cancel"
        return
    deal.done.append("cancel")


def count_effects(app, emulator, deals: list[Deal]) -> dict[int, dict]:
    """Per contract: Stripe's succeeded charges, transfers and refunds (by the contract id in
    their metadata, or their charge's) and our journal entries by kind."""
    from sqlalchemy import select

    from app.extensions import db
    from app.ledger.models import JournalEntry

    ids = {d.contract_id for d in deals}
    emulator.transact(lambda ctx: None)  # re-read the shared state file
    with emulator.lock:
        objects = [dict(o) for o in emulator.store.objects.values()]
    charges = {o["id"]: o for o in objects if o.get("object") == "charge"}
    found: dict[int, dict] = {cid: {"charges": 0, "transfers": 0, "refunds": 0,
                                    "ledger": Counter()} for cid in ids}  # fmt: skip

    def contract_of(obj: dict) -> int | None:
        meta = obj.get("metadata") or {}
        if not meta.get("contract_id") and obj.get("charge") in charges:
            meta = charges[obj["charge"]].get("metadata") or {}
        value = meta.get("contract_id")
        return int(value) if value and int(value) in ids else None

    for obj in objects:
        kind = {"charge": "charges", "transfer": "transfers", "refund": "refunds"}.get(
            obj.get("object")
        )
        if kind is None or obj.get("status") in ("failed", "canceled"):
            continue
        if kind == "charges" and not obj.get("paid"):
            continue
        cid = contract_of(obj)
        if cid is not None:
            found[cid][kind] += 1
    with app.app_context():
        rows = db.session.execute(
            select(JournalEntry.contract_id, JournalEntry.kind).where(
                JournalEntry.contract_id.in_(ids)
            )
        ).all()
        db.session.remove()
    for cid, kind in rows:
        found[cid]["ledger"][kind] += 1
    return found


def verdicts(deals: list[Deal], found: dict[int, dict]) -> tuple[list[str], list[str]]:
    """(duplicates, missing). Every effect at most once, whatever was acknowledged (a step
    whose answer was lost may still have happened); every acknowledged step's effects present."""
    duplicates, missing = [], []
    for deal in deals:
        have, cid = found[deal.contract_id], deal.contract_id
        for kind in ("charges", "transfers", "refunds"):
            if have[kind] > 1:
                duplicates.append(f"contract {cid}: {have[kind]} {kind}")
        duplicates += [f"contract {cid}: {n} ledger entries {kind}"
                       for kind, n in have["ledger"].items() if n > 1]  # fmt: skip
        for step in deal.done:
            want = EXPECTED.get(step, {})
            for kind in ("charges", "transfers", "refunds"):
                if kind in want and have[kind] < want[kind]:
                    missing.append(f"contract {cid} ({step}): no {kind[:-1]} at Stripe")
            missing += [f"contract {cid} ({step}): no ledger entry {kind}"
                        for kind in want.get("ledger", ()) if not have["ledger"][kind]]  # fmt: skip
        if deal.path == "cancel" and have["transfers"]:
            duplicates.append(f"contract {cid}: a transfer on a cancelled deal")
        if deal.path == "approve" and have["refunds"]:
            duplicates.append(f"contract {cid}: a refund on an approved deal")
    return duplicates, missing
