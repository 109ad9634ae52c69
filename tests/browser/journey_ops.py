"""`python -m tests.browser.journey_ops <command> [args]`, run with the journey server's
environment (its database and Stripe emulator state): the preconditions the issue-22 journeys
are not about, made with the suite's factories, and what a browser cannot see. It prints one
JSON object.

- ``bid BRAND_EMAIL BRAND_NAME KOL_EMAIL TITLE PRICE``: a brand account (the journeys' password)
  with billing details, an open campaign of its own and the KOL's bid on it (the brand's turn;
  made by prepare.py for the invoice journey).
- ``payouts KOL_EMAIL``: a completed contract for each of the KOL's payouts: two paid this
  year, one paid last year, one that failed (made by prepare.py, at the start of the
  session). They name no Stripe transfer and reverse nothing: the server's books stay whole
  for the outcome journey's `flask ledger check`, which matches transfers and reversals
  against ledger entries these rows do not have.
- ``invitations CAMPAIGN_ID``: how many invitation notifications each KOL has for the campaign.
- ``scheduler SECONDS STEP…``: steps of the scheduler (app/scheduler.py ``SCHEDULE``, e.g.
  ``jobs-sweep webhooks-retry``) run as if SECONDS had passed, the clock of the outbox and of
  webhook deliveries moved as tests/webhooks/test_webhooks.py moves it; with no Redis their
  jobs run inline, in this process.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app import create_app
from app.auth.models import Role, User
from app.extensions import db
from tests.browser.server import PASSWORD


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def bid(brand_email: str, brand_name: str, kol_email: str, title: str, price: str) -> dict:
    from app.paperwork.billing import save_billing
    from tests.factories import make_bid, make_campaign, make_user

    brand = make_user(Role.BRAND, email=brand_email, password=PASSWORD, name=brand_name)
    save_billing(brand_id=brand.id, legal_name=f"{brand_name} Pte. Ltd.",
                 address="1 Raffles Place, Singapore 048616", country="SG", tax_id="201912345K")  # fmt: skip
    campaign = make_campaign(brand, title=title)
    offer = make_bid(campaign, _user(kol_email), price=int(price))
    db.session.commit()
    return {"bid": offer.id, "campaign": campaign.id}


def payouts(kol_email: str) -> dict:
    from app.contracts.models import ContractStatus
    from app.payments.models import Payout, PayoutStatus
    from tests.factories import make_bid, make_campaign, make_contract, make_user

    kol, brand = _user(kol_email), make_user(Role.BRAND, name="Statement Brand")
    now = datetime.now(UTC)
    last_year = now.replace(year=now.year - 1, month=6, day=15)
    made = []
    for amount, status, paid_at in (
        (28_350, PayoutStatus.PAID, now - timedelta(hours=2)),
        (40_000, PayoutStatus.PAID, now - timedelta(hours=1)),
        (9_900, PayoutStatus.PAID, last_year),
        (12_000, PayoutStatus.FAILED, None),
    ):
        contract = make_contract(
            make_bid(make_campaign(brand), kol), status=ContractStatus.COMPLETED
        )
        payout = Payout(contract_id=contract.id, kol_id=kol.id, stage="approval", amount=amount,
                        currency="usd", status=status, paid_at=paid_at)  # fmt: skip
        db.session.add(payout)
        made.append(payout)
    db.session.commit()
    return {"payouts": [{"id": p.id, "amount": p.amount, "status": str(p.status)} for p in made]}


def invitations(campaign_id: str) -> dict:
    from app.notifications.models import Notification

    rows = db.session.execute(
        select(User.email, Notification.id)
        .join(Notification, Notification.user_id == User.id)
        .where(Notification.kind == "invitation", Notification.link == f"/campaigns/{campaign_id}")
    ).all()
    counts: dict[str, int] = {}
    for email, _id in rows:
        counts[email] = counts.get(email, 0) + 1
    return counts


def scheduler(seconds: str, *names: str) -> dict:
    from app import jobs
    from app.scheduler import SCHEDULE
    from app.webhooks import delivery

    steps = {s.name: s for s in SCHEDULE}
    real = jobs.utcnow
    later = real() + timedelta(seconds=int(seconds))
    jobs.utcnow = delivery.utcnow = lambda: later
    try:
        return {name: steps[name].func() for name in names}
    finally:
        jobs.utcnow = delivery.utcnow = real


COMMANDS = {
    "bid": bid,
    "payouts": payouts,
    "invitations": invitations,
    "scheduler": scheduler,
}

if __name__ == "__main__":
    command, *args = sys.argv[1:]
    with create_app().app_context():
        print(json.dumps(COMMANDS[command](*args), default=str))
