"""Find KOLs sorts by reliability: the scores app/contracts/reliability.py computes are stored
per KOL by the scheduler, and the sort reads them (issue 22: it used to say "not computed")."""

from __future__ import annotations

import re
from datetime import timedelta

from app.contracts.models import ContractStatus
from app.contracts.reliability import reliability_for
from app.db_types import utcnow
from app.extensions import db
from app.scheduler import SCHEDULE
from app.shortlists.models import KolReliability
from app.shortlists.reliability import refresh_kol_reliability
from tests.conftest import sign_in
from tests.factories import make_bid, make_contract, make_user
from tests.shortlists.support import named_kol


def _funded(kol, *, due_in_days: int):
    contract = make_contract(
        make_bid(kol=kol), status=ContractStatus.FUNDED, funded_at=utcnow() - timedelta(days=9)
    )
    contract.due_date = (utcnow() + timedelta(days=due_in_days)).date()
    db.session.commit()
    return contract


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/kols/\d+">(?:<strong>)?([^<]+)<', html)


def test_reliability_sort_uses_the_stored_scores(client):
    late = named_kol("Late Lu", followers=900_000)  # most followers, but missed a due date
    steady = named_kol("Steady Sam", followers=10_000)
    newcomer = named_kol("New Nia", followers=500_000)  # no history: no score, last
    _funded(late, due_in_days=-3)
    _funded(steady, due_in_days=5)
    assert refresh_kol_reliability() == 3
    db.session.commit()
    expected = reliability_for([late.id, steady.id, newcomer.id])
    stored = {r.kol_id: r.score for r in db.session.query(KolReliability)}
    assert stored == {k: expected[k].score for k in (late.id, steady.id, newcomer.id)}
    assert stored[steady.id] > stored[late.id] and stored[newcomer.id] is None

    sign_in(client, make_user("brand"))
    html = client.get("/kols?sort=reliability").get_data(as_text=True)
    assert _names(html) == ["Steady Sam", "Late Lu", "New Nia"]
    assert "not computed yet" not in html
    assert _names(client.get("/kols?sort=followers").get_data(as_text=True))[0] == "Late Lu"


def test_the_stalest_scores_are_refreshed_first(app):
    kols = [named_kol(f"K{i}") for i in range(3)]
    assert refresh_kol_reliability(batch=2) == 2
    db.session.commit()
    first = {r.kol_id for r in db.session.query(KolReliability)}
    assert refresh_kol_reliability(batch=2) == 2
    db.session.commit()
    assert {k.id for k in kols} - first <= {r.kol_id for r in db.session.query(KolReliability)}
    assert len(db.session.query(KolReliability).all()) == 3


def test_the_scheduler_refreshes_the_scores():
    assert "kol-reliability" in {step.name for step in SCHEDULE}
