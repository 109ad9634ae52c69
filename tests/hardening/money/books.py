"""A run's books and money states in a form two runs can compare: database ids become the
rank of the deal they belong to, Stripe ids become their kind."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter

from sqlalchemy import func, select

from app.contracts.models import Contract
from app.extensions import db
from app.ledger.models import JournalEntry, LedgerAccount, LedgerLine
from app.payments.emulator import sign_payload
from app.payments.models import Chargeback, Funding, Payout, Refund, WebhookEvent


def snapshot(contract_ids: list[int], user_ids: list[int], charge_ids: list[str]) -> dict:
    """The run's books: entries, states and rows of its own contracts, users and charges."""
    db.session.expire_all()
    deal = {cid: i for i, cid in enumerate(contract_ids)}
    who = {uid: i for i, uid in enumerate(user_ids)}

    def stripe_kind(object_id: str | None) -> str | None:
        return object_id.split("_")[0] if object_id else None

    entries = Counter()
    for entry in db.session.scalars(
        select(JournalEntry).where(JournalEntry.contract_id.in_(contract_ids))
    ):
        legs = []
        for line in db.session.scalars(select(LedgerLine).where(LedgerLine.entry_id == entry.id)):
            account = db.session.get(LedgerAccount, line.account_id)
            owner = deal.get(account.contract_id) if account.contract_id else None
            legs.append((account.kind, owner, who.get(account.user_id), line.currency, line.amount))
        entries[
            (
                entry.kind,
                deal.get(entry.contract_id),
                stripe_kind(entry.stripe_object_id),
                tuple(sorted(legs, key=repr)),
            )
        ] += 1

    def rows(model, *columns, where=None):
        found = Counter()
        where = where if where is not None else model.contract_id.in_(contract_ids)
        for row in db.session.scalars(select(model).where(where)):
            found[(deal.get(row.contract_id), *(str(getattr(row, c)) for c in columns))] += 1
        return found

    return {
        "entries": entries,
        "contracts": {
            deal[c.id]: c.status.value
            for c in db.session.scalars(select(Contract).where(Contract.id.in_(contract_ids)))
        },
        "fundings": rows(Funding, "status", "amount"),
        "entries_by_kind": Counter(kind for kind, *_rest in entries.elements()),
        "payouts": rows(Payout, "stage", "amount", "status", "amount_reversed"),
        "refunds": rows(Refund, "amount", "status", "reason_code"),
        "chargebacks": rows(
            Chargeback, "amount", "status", where=Chargeback.charge_id.in_(charge_ids)
        ),
    }


def events_recorded() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEvent))


def _sign(body: bytes, signing: str, secret: str) -> str:
    if signing == "wrong":
        return sign_payload(body, "whsec_not_ours")
    if signing == "stale":
        return sign_payload(body, secret, timestamp=int(time.time()) - 600)
    if signing == "tampered":
        return sign_payload(body + b" ", secret)
    return sign_payload(body, secret)


def deliver(app, deliveries: list[tuple[dict, str]], workers: int) -> Counter:
    """POST each (event, signing) to its webhook route, ``workers`` at a time, in list order:
    a connected account's event to the Connect endpoint with its secret, as Stripe does.

    signing: "good", "wrong" (another secret), "stale" (10 minutes old), "tampered"."""
    endpoints = {
        False: ("/webhooks/stripe", app.config["STRIPE_WEBHOOK_SECRET"]),
        True: ("/webhooks/stripe/connect", app.config["STRIPE_CONNECT_WEBHOOK_SECRET"]),
    }
    pending: queue.Queue = queue.Queue()
    for item in deliveries:
        pending.put(item)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def work() -> None:
        client = app.test_client()
        while True:
            try:
                event, signing = pending.get_nowait()
            except queue.Empty:
                return
            body = json.dumps(event).encode()
            path, secret = endpoints[bool(event.get("account"))]
            signature = _sign(body, signing, secret)
            try:
                status = client.post(
                    path, data=body, headers={"Stripe-Signature": signature}
                ).status_code
            except Exception as error:  # a server error: counted, asserted zero
                status = f"EXC {type(error).__name__}"
            with lock:
                outcomes[(signing, status)] += 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes
