"""Each workbench issues at most 10 SQL statements (the layout's menu and bell included), and
no more with a full desk than with an empty one: nothing is read per item."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.auth.models import Role
from app.bids.models import BidStatus
from app.campaigns.models import Invitation
from app.contracts.models import ContractStatus
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.payments.models import Payout, PayoutStatus
from app.profiles.models import Verification, VerificationRequest
from tests.analytics.support import published_note
from tests.conftest import signed_in
from tests.factories import make_bid, make_campaign, make_deal, make_kol, make_user

LIMIT = 10
PLUMBING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "PRAGMA")


def statements(app, user) -> int:
    client = signed_in(app, user)
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(PLUMBING):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen)


def fill(brand, kol, n: int) -> None:
    """``n`` of everything that can wait: bids, notes in review, unfunded contracts, running
    campaigns with notes, invitations, counter-offers, notes due, failed payouts, requests."""
    for i in range(n):
        campaign = make_campaign(brand, title=f"Launch {i}", budget=5_000_000, notes_wanted=20)
        make_bid(campaign, make_kol(verified=True))
        countered = make_bid(make_campaign(brand), kol)
        countered.status, countered.turn = BidStatus.COUNTERED, "kol"
        db.session.add(Invitation(campaign_id=make_campaign(brand).id, kol_id=kol.id))
        make_deal("awaiting_funding", brand=brand, campaign=campaign)
        funded = make_deal("funded", brand=brand, kol=kol, campaign=campaign).contract
        published_note(campaign, kol)
        review = make_deal("submitted", brand=brand, campaign=campaign)
        db.session.add(
            Note(contract_id=review.contract.id, campaign_id=campaign.id, kol_id=review.kol.id,
                 brand_id=brand.id, category=campaign.category, title=f"Draft {i}",
                 tracking_code=secrets.token_hex(5), status=NoteStatus.SUBMITTED)
        )  # fmt: skip
        db.session.add(
            Payout(contract_id=funded.id, kol_id=kol.id, stage="approval", amount=1_000,
                   currency="usd", status=PayoutStatus.FAILED)
        )  # fmt: skip
        db.session.add(
            VerificationRequest(kol_id=make_kol().id, handles="@x", status=Verification.PENDING)
        )
        disputed = make_deal("funded", campaign=campaign).contract
        disputed.status = ContractStatus.DISPUTED
        disputed.review_due_at = utcnow() + timedelta(days=1)
    db.session.commit()


@pytest.mark.parametrize("role", ["brand", "kol", "finance", "admin"])
def test_a_workbench_stays_within_ten_statements_however_full(app, role):
    staff = {"finance": make_user(Role.FINANCE), "admin": make_user(Role.ADMIN)}

    def person(brand, kol):
        return {"brand": brand, "kol": kol, **staff}[role]

    empty = statements(app, person(make_user(Role.BRAND), make_kol(verified=True)))
    brand, kol = make_user(Role.BRAND), make_kol(verified=True)
    fill(brand, kol, 1)
    one = statements(app, person(brand, kol))
    brand, kol = make_user(Role.BRAND), make_kol(verified=True)
    fill(brand, kol, 6)
    many = statements(app, person(brand, kol))
    assert max(empty, one, many) <= LIMIT, (empty, one, many)
    assert many == one, f"statements grew with the items waiting: {one} → {many}"
