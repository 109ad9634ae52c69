"""Several deliverables on one contract (issue 21): each approval releases its share through the
transfer path; the contract completes when all are approved; a partly released contract gives
back only what is still held. Driven through the web pages and the API, paid on the emulator."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.contracts.deliverables import deliverables_of
from app.contracts.models import Contract, ContractStatus, DeliverableStatus
from app.db_types import utcnow
from app.extensions import db
from app.ledger.services import HELD, balance
from app.notes.models import Note, NoteStatus
from app.payments.approvals import release_after_keep_live
from app.payments.models import Payout, PayoutStatus, Refund
from tests.conftest import post_form, signed_in
from tests.factories import make_api_key, make_deal
from tests.notes.support import GOOD_TEXT, png_bytes
from tests.payments.conftest import drain_jobs

PRICE = 100_000  # $1,000.00: three shares of 333.33, 333.33 and 333.34


def _three_deliverable_deal(app, emulator):
    deal = make_deal(
        "funded",
        app=app,
        emulator=emulator,
        onboarded=True,
        price=PRICE,
        deliverable_kinds="note,note,video",
    )
    return deal, deal.contract.id


def _write_and_submit(client, contract_id: int, position: int, *, video: bool = False):
    url = f"/contracts/{contract_id}/note" + (f"?part={position}" if position > 1 else "")
    data = {**GOOD_TEXT, "and_submit": "1"}
    if video:
        data["video_url"] = "https://video.example/glow.mp4"
    else:
        data["images"] = (io.BytesIO(png_bytes()), "photo.png")
    response = post_form(client, url, data, page=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.session.expire_all()
    return _note_at(contract_id, position)


def _note_at(contract_id: int, position: int) -> Note:
    part = deliverables_of(contract_id)[position - 1]
    return db.session.scalar(select(Note).where(Note.deliverable_id == part.id))


def _approve(client, note_id: int):
    review = f"/notes/{note_id}/review"
    preview = post_form(client, f"/notes/{note_id}/approve", page=review)
    assert preview.status_code == 200
    confirmed = post_form(client, f"/notes/{note_id}/approve", {"confirm": "release"}, page=review)
    assert confirmed.status_code == 302
    drain_jobs()
    db.session.expire_all()
    return preview.get_data(as_text=True)


def _payouts(contract_id: int) -> dict[str, Payout]:
    rows = db.session.scalars(select(Payout).where(Payout.contract_id == contract_id))
    return {p.stage: p for p in rows}


def test_three_deliverables_end_to_end_on_the_web(app, stripe_emulator, books_balance):
    deal, contract_id = _three_deliverable_deal(app, stripe_emulator)
    parts = deliverables_of(contract_id)
    assert [(p.kind.value, p.share) for p in parts] == [
        ("note", 33_333),
        ("note", 33_333),
        ("video", 33_334),
    ]
    kol, brand = signed_in(app, deal.kol), signed_in(app, deal.brand)

    page = brand.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Deliverables" in page and "$333.34" in page and "Video note" in page

    # The KOL delivers the first two; the second is written while the first is in review.
    first = _write_and_submit(kol, contract_id, 1)
    assert db.session.get(Contract, contract_id).status == ContractStatus.IN_REVIEW
    second = _write_and_submit(kol, contract_id, 2)
    assert second.status == NoteStatus.SUBMITTED and first.id != second.id

    # Approving the first releases its share only (RELEASE_ON_APPROVAL_BPS of it).
    preview = _approve(brand, first.id)
    assert "Share of deliverable 1" in preview and "$333.33" in preview
    payouts = _payouts(contract_id)
    assert list(payouts) == ["approval"]
    bps = app.config["RELEASE_ON_APPROVAL_BPS"]
    assert payouts["approval"].status == PayoutStatus.PAID
    contract = db.session.get(Contract, contract_id)
    assert contract.status == ContractStatus.IN_REVIEW  # the second is still in review
    assert deliverables_of(contract_id)[0].status == DeliverableStatus.APPROVED
    assert db.session.get(Note, first.id).status == NoteStatus.PUBLISHED

    review = brand.get(f"/notes/{second.id}/review").get_data(as_text=True)
    assert "Deliverable 2 of 3" in review
    # The second goes round its own review loop: changes requested, revised, approved.
    response = post_form(
        brand,
        f"/notes/{second.id}/changes",
        {"comment": "Show the bottle", "brief_item": "images"},
        page=f"/notes/{second.id}/review",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contract, contract_id).status == ContractStatus.CHANGES_REQUESTED
    assert deliverables_of(contract_id)[1].revisions_used == 1
    _write_and_submit(kol, contract_id, 2)
    _approve(brand, second.id)
    assert db.session.get(Contract, contract_id).status == ContractStatus.FUNDED  # one to go
    assert set(_payouts(contract_id)) == {"approval", "approval_2"}

    # The video is the last: its approval approves the contract and starts keep-live.
    third = _write_and_submit(kol, contract_id, 3, video=True)
    _approve(brand, third.id)
    contract = db.session.get(Contract, contract_id)
    assert contract.status == ContractStatus.RELEASED
    release_after_keep_live(utcnow() + timedelta(days=contract.keep_live_days + 1))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()

    contract = db.session.get(Contract, contract_id)
    assert contract.status == ContractStatus.COMPLETED
    payouts = _payouts(contract_id)
    assert set(payouts) == {"approval", "approval_2", "approval_3", "keep_live"}
    assert all(p.status == PayoutStatus.PAID for p in payouts.values())
    # The KOL got the whole price less the KOL fee, to the cent, in four transfers.
    assert sum(p.amount for p in payouts.values()) == contract.price - contract.kol_fee
    assert len(stripe_emulator.events("transfer.created")) == 4
    first_three = [payouts[s].amount for s in ("approval", "approval_2", "approval_3")]
    assert first_three[0] == first_three[1] and abs(first_three[2] - first_three[0]) <= 1
    assert first_three[0] < 33_333 * bps // 10_000 + 1
    assert balance(HELD, contract.currency, contract_id=contract_id) == 0
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_three_deliverables_end_to_end_through_the_api(app, client, stripe_emulator, books_balance):
    deal, contract_id = _three_deliverable_deal(app, stripe_emulator)
    kol = {"Authorization": f"Bearer {make_api_key(deal.kol)}"}
    brand = {"Authorization": f"Bearer {make_api_key(deal.brand)}"}

    body = client.get(f"/api/v1/contracts/{contract_id}", headers=brand).get_json()
    items = body["deliverable_items"]
    assert [i["position"] for i in items] == [1, 2, 3]
    assert sum(i["share"] for i in items) == body["price"] == PRICE
    assert [i["kind"] for i in items] == ["note", "note", "video"]

    note_ids = []
    for position in (1, 2, 3):
        draft = {**GOOD_TEXT, "position": position}
        if position == 3:
            draft["video_url"] = "https://video.example/glow.mp4"
        response = client.put(f"/api/v1/contracts/{contract_id}/note", json=draft, headers=kol)
        assert response.status_code == 201, response.get_json()
        note = response.get_json()
        assert note["deliverable_id"] == items[position - 1]["id"]
        note_ids.append(note["id"])
    # Images are uploaded on the web only: the two image notes get theirs there.
    web = signed_in(app, deal.kol)
    for position in (1, 2):
        _write_and_submit(web, contract_id, position)
    submitted = client.post(f"/api/v1/notes/{note_ids[2]}/submit", headers=kol)
    assert submitted.status_code == 200, submitted.get_json()

    for number, note_id in enumerate(note_ids, start=1):
        response = client.post(f"/api/v1/notes/{note_id}/approve", headers=brand)
        assert response.status_code == 200, response.get_json()
        drain_jobs()
        again = client.post(f"/api/v1/notes/{note_id}/approve", headers=brand)
        assert again.status_code == 409  # approved once, released once
        body = client.get(f"/api/v1/contracts/{contract_id}", headers=kol).get_json()
        approved = [i for i in body["deliverable_items"] if i["status"] == "approved"]
        assert len(approved) == number
    assert body["status"] == "released"
    db.session.expire_all()
    assert set(_payouts(contract_id)) == {"approval", "approval_2", "approval_3"}
    assert len(stripe_emulator.events("transfer.created")) == 3


def test_cancelling_a_partly_released_contract_refunds_only_what_is_held(
    app, stripe_emulator, books_balance
):
    deal, contract_id = _three_deliverable_deal(app, stripe_emulator)
    kol, brand = signed_in(app, deal.kol), signed_in(app, deal.brand)
    first = _write_and_submit(kol, contract_id, 1)
    _approve(brand, first.id)
    contract = db.session.get(Contract, contract_id)
    assert contract.status == ContractStatus.FUNDED  # the others are not delivered yet
    held_before = balance(HELD, contract.currency, contract_id=contract_id)
    released = _payouts(contract_id)["approval"].amount
    assert 0 < held_before < contract.brand_total

    page = brand.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "cancelling refunds what is still held" in page
    response = post_form(
        brand,
        f"/contracts/{contract_id}/cancel",
        {"reason": "stop"},
        page=f"/contracts/{contract_id}",
    )
    assert response.status_code in (302, 303)
    drain_jobs()
    db.session.expire_all()
    refund = db.session.scalar(select(Refund).where(Refund.contract_id == contract_id))
    assert refund.amount == held_before
    assert db.session.get(Contract, contract_id).status == ContractStatus.CANCELLED
    assert balance(HELD, contract.currency, contract_id=contract_id) == 0
    # The KOL keeps what the approved deliverable released.
    assert _payouts(contract_id)["approval"].amount == released


def test_each_deliverable_has_its_own_review_window(app, stripe_emulator, books_balance):
    from app.notes.services import auto_approve_due_notes

    deal, contract_id = _three_deliverable_deal(app, stripe_emulator)
    kol = signed_in(app, deal.kol)
    first = _write_and_submit(kol, contract_id, 1)
    second = _write_and_submit(kol, contract_id, 2)
    parts = deliverables_of(contract_id)
    parts[1].review_due_at = utcnow() + timedelta(days=10)  # the second was submitted later
    db.session.commit()
    window = db.session.get(Contract, contract_id).review_window_days
    approved = auto_approve_due_notes(utcnow() + timedelta(days=window, hours=1))
    db.session.commit()
    drain_jobs()
    db.session.expire_all()
    assert approved == 1
    assert db.session.get(Note, first.id).status == NoteStatus.PUBLISHED
    assert db.session.get(Note, second.id).status == NoteStatus.SUBMITTED
    assert list(_payouts(contract_id)) == ["approval"]
    contract = db.session.get(Contract, contract_id)
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.review_due_at == deliverables_of(contract_id)[1].review_due_at
