"""Ratings after completion, once per side; the reliability score from a known history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth.models import User
from app.bids.models import Offer
from app.contracts.models import ContractStatus
from app.contracts.reliability import reliability_for
from app.contracts.services import rate_contract, rating_summary
from app.db_types import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.notes.models import Note, NoteStatus
from app.status import StatusChange
from tests.conftest import post_form, signed_in
from tests.factories import make_bid, make_campaign, make_contract, make_kol, make_user


def test_ratings_open_only_after_completion_and_once_per_side(app):
    contract = make_contract(status=ContractStatus.FUNDED)
    with pytest.raises(Conflict, match="completed"):
        rate_contract(contract_id=contract.id, rater_id=contract.brand_id, stars=5, comment="")
    contract.status = ContractStatus.COMPLETED
    db.session.commit()
    brand = signed_in(app, db.session.get(User, contract.brand_id))
    url = f"/contracts/{contract.id}/rating"
    response = post_form(
        brand, url, {"stars": "4", "comment": "<b>Great</b> work"}, page=f"/contracts/{contract.id}"
    )
    assert response.status_code == 302
    again = post_form(brand, url, {"stars": "1"}, page=f"/contracts/{contract.id}")
    assert again.status_code == 409 and "already rated" in again.get_data(as_text=True)
    with pytest.raises(ValidationFailed):
        rate_contract(contract_id=contract.id, rater_id=contract.kol_id, stars=6, comment="")
    rate_contract(contract_id=contract.id, rater_id=contract.kol_id, stars=5, comment="Paid fast")
    db.session.commit()
    page = brand.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "&lt;b&gt;Great&lt;/b&gt; work" in page and "Paid fast" in page
    assert "Rate " not in page  # no form once rated
    assert rating_summary([contract.kol_id, contract.brand_id, 999]) == {
        contract.kol_id: (4.0, 1),
        contract.brand_id: (5.0, 1),
    }
    outsider = signed_in(app, make_user("brand"))
    assert post_form(outsider, url, {"stars": "1"}, page="/contracts").status_code == 404


def _change(contract_id, frm, to, at, actor=None, entity="contract"):
    db.session.add(
        StatusChange(
            entity=entity,
            entity_id=contract_id,
            from_status=frm,
            to_status=to,
            actor_id=actor,
            created_at=at,
        )
    )


def test_reliability_from_a_known_history(app):
    now = utcnow()
    t0 = now - timedelta(days=20)
    kol = make_kol(verified=True)
    brand = make_user("brand")
    campaign = make_campaign(brand, notes_wanted=5, budget=500_000)
    contracts = [
        make_contract(make_bid(campaign, kol), status=ContractStatus.FUNDED, funded_at=t0)
        for _ in range(4)
    ]
    on_time, late, disputed, taken_down = contracts
    for c in contracts:
        c.due_date = (t0 + timedelta(days=10)).date()
    late.due_date = (t0 + timedelta(days=2)).date()
    disputed.due_date = (now + timedelta(days=5)).date()
    # on_time: submitted day 5, reviewed by the brand a day later (within the 3-day window).
    _change(on_time.id, "funded", "in_review", t0 + timedelta(days=5), kol.id)
    _change(on_time.id, "in_review", "approved", t0 + timedelta(days=6), brand.id)
    on_time.keep_live_until = now + timedelta(days=20)
    # late: submitted after its due date and still waiting past the window (a late review).
    _change(late.id, "funded", "in_review", t0 + timedelta(days=4), kol.id)
    # disputed: went to a dispute before delivery (not due yet).
    _change(disputed.id, "funded", "disputed", t0 + timedelta(days=1), brand.id)
    # taken_down: on time, auto-approved after silence, then taken down inside keep-live.
    _change(taken_down.id, "funded", "in_review", t0 + timedelta(days=3), kol.id)
    _change(taken_down.id, "in_review", "approved", t0 + timedelta(days=7), None)
    taken_down.keep_live_until = t0 + timedelta(days=37)
    note = Note(
        contract_id=taken_down.id,
        campaign_id=campaign.id,
        kol_id=kol.id,
        brand_id=brand.id,
        category="beauty",
        tracking_code="rel-test-1",
        status=NoteStatus.TAKEN_DOWN,
        taken_down_at=t0 + timedelta(days=9),
    )
    db.session.add(note)
    db.session.flush()
    _change(note.id, "published", "taken_down", t0 + timedelta(days=9), kol.id, entity="note")

    # Answer times: the brand answered bids in 2 h and 10 h; the KOL answered counters in
    # 6 h and 30 h (median 18 h).
    first = make_bid(make_campaign(brand), kol)
    second = make_bid(make_campaign(brand), kol)
    first.offers[0].created_at = t0
    first.offers.append(Offer(by_role="brand", price=40_000, created_at=t0 + timedelta(hours=2)))
    first.offers.append(Offer(by_role="kol", price=45_000, created_at=t0 + timedelta(hours=8)))
    second.offers[0].created_at = t0
    second.offers.append(Offer(by_role="brand", price=40_000, created_at=t0 + timedelta(hours=10)))
    from app.bids.models import BidStatus

    second.status = BidStatus.REJECTED
    second.decided_at = t0 + timedelta(hours=40)
    db.session.commit()

    result = reliability_for([kol.id, brand.id, 123456], now=now)
    assert set(result) == {kol.id, brand.id}
    k, b = result[kol.id], result[brand.id]
    assert k.counts["on_time"] == (2, 3)  # the disputed one is not due yet
    assert k.counts["keep_live"] == (1, 2)
    assert k.counts["no_disputes"] == (3, 4)
    assert k.median_answer_hours == 18.0
    assert k.components["answer"] == pytest.approx((120 - 18) / 108, abs=1e-3)
    expected_kol = 100 * (0.4 * 2 / 3 + 0.2 * (102 / 108) + 0.2 * 0.5 + 0.2 * 0.75)
    assert k.score == round(expected_kol)
    assert b.median_answer_hours == 6.0 and b.components["answer"] == 1.0
    assert b.counts["review"] == (1, 3)  # the auto-approval and the overdue one count as late
    assert b.score == round(100 * (0.4 * 1 + 0.4 / 3 + 0.2 * 0.75))


def test_reliability_of_newcomers_is_unknown_and_queries_are_constant(app):
    from sqlalchemy import event

    users = [make_kol(verified=True) for _ in range(3)] + [make_user("brand")]
    make_contract(make_bid(kol=users[0]))

    def statements_for(ids) -> int:
        seen = []
        listener = lambda _conn, _cur, statement, *_a: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = reliability_for(ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert all(r.score is None for r in result.values())
        return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT"))

    assert statements_for([users[1].id]) == statements_for([u.id for u in users]) == 5
