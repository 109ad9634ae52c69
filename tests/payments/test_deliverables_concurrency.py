"""32 approvals of one deliverable at once, on PostgreSQL: one approval, one release, one
transfer; the contract's other deliverables are untouched."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from app.contracts.deliverables import deliverables_of
from app.contracts.models import Contract, ContractStatus, DeliverableStatus
from app.errors import DomainError
from app.extensions import db
from app.jobs import run_inline_jobs
from app.ledger.checks import ledger_problems
from app.notes import services
from app.payments.models import Payout
from tests.factories import make_deal
from tests.notes.support import GOOD_TEXT, png_bytes, submitted_note, upload

pytestmark = pytest.mark.postgres
THREADS = 32


def _race(app, action) -> Counter:
    barrier = threading.Barrier(THREADS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run():
        with app.app_context():
            barrier.wait()
            try:
                action()
                db.session.commit()
                run_inline_jobs()
                result = "ok"
            except DomainError as error:
                db.session.rollback()
                result = type(error).__name__
            except Exception as error:  # a server error fails the test
                db.session.rollback()
                result = f"ERROR {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.parametrize("other_in_review", [False, True])
def test_32_simultaneous_approvals_of_one_deliverable_release_its_share_once(
    committing_app, other_in_review
):
    """With the other deliverable in review the contract stays in review, so only the
    deliverable's own lock stops the 31 others; without, the contract's status does too."""
    app = committing_app
    emulator = app.extensions["stripe_emulator"]
    with app.app_context():
        emulator.reset(keep_endpoints=True)
        deal = make_deal(
            "funded", app=app, emulator=emulator, onboarded=True, deliverable_kinds="note,note"
        )
        note = submitted_note(deal.contract)
        if other_in_review:
            second = services.save_draft(
                contract_id=deal.contract.id,
                kol_id=deal.kol.id,
                new_images=[upload(png_bytes())],
                position=2,
                **GOOD_TEXT,
            )
            services.submit_note(note_id=second.id, kol_id=deal.kol.id)
            db.session.commit()
        ids = (deal.brand.id, deal.contract.id, note.id)
        db.session.remove()
    brand_id, contract_id, note_id = ids

    outcomes = _race(app, lambda: services.approve_note(note_id=note_id, brand_id=brand_id))
    print(f"approve one deliverable x{THREADS}: {dict(outcomes)}")
    # The others find it approved (the contract no longer in review): a 409 each, no error.
    assert outcomes["ok"] == 1
    assert outcomes["Conflict"] + outcomes["IllegalTransition"] == THREADS - 1
    with app.app_context():
        payouts = db.session.scalars(select(Payout).where(Payout.contract_id == contract_id))
        assert [p.stage for p in payouts] == ["approval"]
        parts = deliverables_of(contract_id)
        other = DeliverableStatus.IN_REVIEW if other_in_review else DeliverableStatus.PENDING
        assert [p.status for p in parts] == [DeliverableStatus.APPROVED, other]
        status = ContractStatus.IN_REVIEW if other_in_review else ContractStatus.FUNDED
        assert db.session.get(Contract, contract_id).status == status
        assert ledger_problems() == []
    assert len(emulator.events("transfer.created")) == 1
