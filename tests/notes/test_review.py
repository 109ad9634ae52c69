"""Submission checks, the review loop, revision rounds, diffs and auto-approval."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from app.extensions import db
from app.notes import services
from app.notes.models import NoteRevision, NoteStatus, ReviewComment
from app.notifications.models import Notification
from app.periodic import run_ticks
from app.status import history
from tests.conftest import post_form, sign_in
from tests.factories import make_kol, make_user
from tests.notes.support import draft_note, funded_contract, submitted_note


def _kinds(user_id):
    stmt = select(Notification.kind).where(Notification.user_id == user_id)
    return list(db.session.scalars(stmt))


# --- submission checks -----------------------------------------------------------------------


def test_submission_names_every_missing_item(client):
    contract = funded_contract(required_hashtags="#glowserum #spring", required_mentions="@glowco")
    note = draft_note(contract, body="Lovely.", hashtags="#glowserum")
    sign_in(client, contract.kol_id)
    response = post_form(client, f"/notes/{note.id}/submit", page=f"/contracts/{contract.id}/note")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "#spring" in page and "@glowco" in page and "disclosure" in page
    assert "#glowserum" not in page.split("Before submitting")[1].split(".")[0]
    db.session.refresh(note)
    assert note.status == NoteStatus.DRAFT and note.revision == 0
    assert contract.status == ContractStatus.FUNDED


@pytest.mark.parametrize(
    "body, hashtags",
    [
        ("Made with love 广告", "#glowserum"),
        ("Nice", "#GLOWSERUM #AD"),
        ("This post is SPONSORED by Glow", "#glowserum"),
        ("Nice #GlowSerum and #ad in text", ""),
    ],
)
def test_disclosure_and_hashtags_are_matched_case_insensitively(body, hashtags):
    contract = funded_contract()
    note = draft_note(contract, body=body, hashtags=hashtags)
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    assert note.status == NoteStatus.SUBMITTED


@pytest.mark.parametrize("body", ["#ads everywhere", "#adorable", "unsponsoredish"])
def test_lookalikes_are_not_a_disclosure(body):
    contract = funded_contract()
    note = draft_note(contract, body=body, hashtags="#glowserum")
    with pytest.raises(ValidationFailed) as error:
        services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    assert "disclosure" in error.value.message


def test_image_note_needs_at_least_one_image():
    contract = funded_contract()
    note = draft_note(contract, images=0)
    with pytest.raises(ValidationFailed) as error:
        services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    assert "images" in error.value.fields


def test_video_note_needs_a_video():
    contract = funded_contract(content_format="video")
    note = draft_note(contract, images=0)
    with pytest.raises(ValidationFailed) as error:
        services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    assert "video_url" in error.value.fields
    services.save_draft(
        contract_id=contract.id,
        kol_id=contract.kol_id,
        title=note.title,
        body=note.body,
        hashtags=note.hashtags,
        video_url="https://video.example/v/1",
    )
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    assert note.status == NoteStatus.SUBMITTED


def test_submit_snapshots_a_revision_and_starts_the_review_window():
    contract = funded_contract()
    note = submitted_note(contract)
    revision = db.session.scalar(select(NoteRevision).where(NoteRevision.note_id == note.id))
    assert (revision.number, revision.title) == (1, note.title)
    assert revision.images == [i.file for i in note.images]
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.review_due_at > utcnow() + timedelta(days=2)
    assert "note_submitted" in _kinds(contract.brand_id)


def test_submitting_twice_is_an_illegal_transition(client):
    contract = funded_contract()
    note = submitted_note(contract)
    with pytest.raises(IllegalTransition):
        services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    sign_in(client, contract.kol_id)
    response = post_form(client, f"/notes/{note.id}/submit", page="/my/notes")
    assert response.status_code == 409


# --- review ----------------------------------------------------------------------------------


def test_brand_approves_and_the_note_is_published(client):
    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    page = client.get(f"/notes/{note.id}/review")
    assert page.status_code == 200 and note.title in page.get_data(as_text=True)
    response = post_form(
        client, f"/notes/{note.id}/approve", {"confirm": "release"}, page=f"/notes/{note.id}/review"
    )
    assert response.status_code == 302
    db.session.refresh(note)
    db.session.refresh(contract)
    assert note.status == NoteStatus.PUBLISHED and note.published_at is not None
    # Payments may release the first share right after approval (jobs run inline in tests).
    assert contract.status in {ContractStatus.APPROVED, ContractStatus.RELEASED}
    assert contract.keep_live_until and contract.approved_at
    moves = [(c.from_status, c.to_status) for c in history("note", note.id)]
    assert moves[-2:] == [("submitted", "approved"), ("approved", "published")]
    assert "note_approved" in _kinds(contract.kol_id)


def test_approve_and_publish_first_states_the_money_it_releases(client):
    """Issue 20: approving releases money; the brand confirms after seeing how much."""
    contract = funded_contract()
    contract.price, contract.brand_fee = 50_000, 2_500  # $500.00, fee $25.00
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    review = f"/notes/{note.id}/review"
    asked = post_form(client, f"/notes/{note.id}/approve", page=review)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "This releases $350.00 to" in page and "(you paid $525.00 incl. fee)" in page
    assert "$150.00" in page and 'name="confirm" value="release"' in page
    db.session.refresh(note)
    assert note.status == NoteStatus.SUBMITTED  # nothing happened yet
    confirmed = post_form(client, f"/notes/{note.id}/approve", {"confirm": "release"}, page=review)
    assert confirmed.status_code == 302
    db.session.refresh(note)
    assert note.status == NoteStatus.PUBLISHED


def test_request_changes_then_resubmit_keeps_both_revisions(client):
    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    response = post_form(
        client,
        f"/notes/{note.id}/changes",
        {"brief_item": "#glowserum", "comment": "Put the hashtag up front"},
        page=f"/notes/{note.id}/review",
    )
    assert response.status_code == 302
    db.session.refresh(note)
    db.session.refresh(contract)
    assert note.status == NoteStatus.CHANGES_REQUESTED
    assert contract.status == ContractStatus.CHANGES_REQUESTED and contract.revisions_used == 1
    comment = db.session.scalar(select(ReviewComment).where(ReviewComment.note_id == note.id))
    assert (comment.brief_item, comment.revision) == ("#glowserum", 1)
    assert "changes_requested" in _kinds(contract.kol_id)

    draft_note(contract, images=0, title="My glow routine, v2")
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    assert note.revision == 2 and contract.status == ContractStatus.IN_REVIEW
    numbers = db.session.scalars(select(NoteRevision.number).where(NoteRevision.note_id == note.id))
    assert sorted(numbers) == [1, 2]


def test_change_request_needs_a_comment_and_a_brief_item():
    contract = funded_contract()
    note = submitted_note(contract)
    with pytest.raises(ValidationFailed) as error:
        services.request_changes(
            note_id=note.id, brand_id=contract.brand_id, comment=" ", brief_item="price"
        )
    assert set(error.value.fields) == {"comment", "brief_item"}
    assert note.status == NoteStatus.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "changes"])
def test_review_actions_on_a_draft_or_published_note_are_refused(action):
    contract = funded_contract()
    note = draft_note(contract)
    with pytest.raises(NotFound):  # the brand cannot see drafts at all
        services.approve_note(note_id=note.id, brand_id=contract.brand_id)
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    services.approve_note(note_id=note.id, brand_id=contract.brand_id)
    with pytest.raises(IllegalTransition):
        if action == "approve":
            services.approve_note(note_id=note.id, brand_id=contract.brand_id)
        else:
            services.request_changes(
                note_id=note.id, brand_id=contract.brand_id, comment="x", brief_item="other"
            )


def test_kol_cannot_review_and_other_brands_get_404(client):
    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.kol_id)
    assert client.get(f"/notes/{note.id}/review").status_code == 403
    assert post_form(client, f"/notes/{note.id}/approve", page="/my/notes").status_code == 403
    client.post("/auth/logout")
    other_brand = make_user("brand")
    sign_in(client, other_brand)
    assert client.get(f"/notes/{note.id}/review").status_code == 404
    assert client.get(f"/notes/{note.id}/diff").status_code == 404


def test_drafts_are_invisible_to_the_brand_and_other_kols(client):
    contract = funded_contract()
    note = draft_note(contract)
    sign_in(client, contract.brand_id)
    assert client.get(f"/notes/{note.id}/review").status_code == 404
    assert note.title not in client.get("/notes").get_data(as_text=True)
    client.post("/auth/logout")
    other = make_kol(verified=True)
    sign_in(client, other)
    assert client.get(f"/notes/{note.id}/diff").status_code == 404
    assert client.get(f"/n/{note.id}-{note.slug}").status_code == 404


# --- revision rounds -------------------------------------------------------------------------


def _use_all_rounds(contract, note):
    for _ in range(contract.revision_rounds):
        services.request_changes(
            note_id=note.id, brand_id=contract.brand_id, comment="Again", brief_item="brief"
        )
        services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()


def test_rounds_beyond_those_agreed_need_the_kols_consent():
    contract = funded_contract(revision_rounds=1)
    note = submitted_note(contract)
    _use_all_rounds(contract, note)
    with pytest.raises(Conflict) as error:
        services.request_changes(
            note_id=note.id, brand_id=contract.brand_id, comment="More", brief_item="images"
        )
    assert error.value.code == "extra_round_needed"
    services.ask_extra_round(
        note_id=note.id, brand_id=contract.brand_id, comment="Brighter photos", brief_item="images"
    )
    db.session.commit()
    assert note.status == NoteStatus.SUBMITTED and note.extra_round_requested_at
    assert "extra_round_asked" in _kinds(contract.kol_id)

    services.answer_extra_round(note_id=note.id, kol_id=contract.kol_id, consent=True)
    db.session.commit()
    assert contract.extra_revisions_agreed == 1 and contract.revisions_used == 2
    assert note.status == NoteStatus.CHANGES_REQUESTED
    assert contract.status == ContractStatus.CHANGES_REQUESTED
    assert note.extra_round_requested_at is None


def test_declining_an_extra_round_disputes_the_contract(client):
    contract = funded_contract(revision_rounds=0)
    note = submitted_note(contract)
    services.ask_extra_round(
        note_id=note.id, brand_id=contract.brand_id, comment="Redo", brief_item="brief"
    )
    db.session.commit()
    sign_in(client, contract.kol_id)
    page = client.get(f"/contracts/{contract.id}/note").get_data(as_text=True)
    assert "asks for an extra revision round" in page
    response = post_form(
        client,
        f"/notes/{note.id}/extra-round",
        {"answer": "no"},
        page=f"/contracts/{contract.id}/note",
    )
    assert response.status_code == 302
    contract = db.session.get(Contract, contract.id)
    db.session.refresh(contract)
    assert contract.status == ContractStatus.DISPUTED
    reasons = [c.reason for c in history("contract", contract.id)]
    assert "extra revision round declined" in reasons
    assert "extra_round_declined" in _kinds(contract.brand_id)


def test_answering_without_an_ask_is_a_conflict():
    contract = funded_contract()
    note = submitted_note(contract)
    with pytest.raises(Conflict):
        services.answer_extra_round(note_id=note.id, kol_id=contract.kol_id, consent=True)


def test_asking_for_an_extra_round_with_rounds_left_is_refused():
    contract = funded_contract(revision_rounds=2)
    note = submitted_note(contract)
    with pytest.raises(Conflict):
        services.ask_extra_round(
            note_id=note.id, brand_id=contract.brand_id, comment="x", brief_item="brief"
        )


# --- diff ------------------------------------------------------------------------------------


def test_diff_page_compares_revisions_with_content_escaped(client):
    contract = funded_contract()
    note = submitted_note(contract, body="First line #ad\nSecond line")
    services.request_changes(
        note_id=note.id, brand_id=contract.brand_id, comment="Fix", brief_item="brief"
    )
    draft_note(
        contract,
        images=0,
        body="First line #ad\n<script>alert(1)</script>",
        hashtags="#glowserum #new",
    )
    services.submit_note(note_id=note.id, kol_id=contract.kol_id)
    db.session.commit()
    for user_id in (contract.brand_id, contract.kol_id):
        sign_in(client, user_id)
        response = client.get(f"/notes/{note.id}/diff?a=1&b=2")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert '<span class="diff-del">- Second line</span>' in html
        assert '<span class="diff-add">+ &lt;script&gt;alert(1)&lt;/script&gt;</span>' in html
        assert '<span class="diff-add">+ #new</span>' in html
        assert "<script>alert(1)" not in html
        client.post("/auth/logout")


def test_diff_of_an_unknown_revision_is_404(client):
    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    assert client.get(f"/notes/{note.id}/diff?a=1&b=7").status_code == 404


# --- auto-approval ---------------------------------------------------------------------------


def test_silence_past_the_review_window_approves_and_publishes(app):
    contract = funded_contract()
    note = submitted_note(contract)
    assert run_ticks()["auto_approve"] == 0
    contract.review_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert run_ticks()["auto_approve"] == 1
    db.session.commit()
    assert note.status == NoteStatus.PUBLISHED and note.published_at
    assert contract.status in {ContractStatus.APPROVED, ContractStatus.RELEASED}
    approval = next(c for c in history("contract", contract.id) if c.to_status == "approved")
    assert (approval.actor_id, approval.reason) == (None, "review window passed")
    assert "note_approved" in _kinds(contract.kol_id)
    assert run_ticks()["auto_approve"] == 0


def test_flask_contracts_tick_runs_the_auto_approval(app):
    contract = funded_contract()
    note = submitted_note(contract)
    contract.review_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["contracts", "tick"])
    assert result.exit_code == 0, result.output
    db.session.refresh(note)
    assert note.status == NoteStatus.PUBLISHED


def test_a_pending_extra_round_is_not_auto_approved():
    contract = funded_contract(revision_rounds=0)
    note = submitted_note(contract)
    services.ask_extra_round(
        note_id=note.id, brand_id=contract.brand_id, comment="Redo", brief_item="brief"
    )
    contract.review_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert run_ticks()["auto_approve"] == 0
    assert note.status == NoteStatus.SUBMITTED


def test_review_form_errors_show_inline_and_nothing_changes(client):
    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    response = post_form(
        client,
        f"/notes/{note.id}/changes",
        {"brief_item": "#glowserum", "comment": ""},
        page=f"/notes/{note.id}/review",
    )
    assert response.status_code == 422
    assert 'class="field has-error"' in response.get_data(as_text=True)
    db.session.refresh(note)
    assert note.status == NoteStatus.SUBMITTED


def test_exhausted_rounds_offer_the_extra_round_on_the_review_page(client):
    contract = funded_contract(revision_rounds=0)
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    html = client.get(f"/notes/{note.id}/review").get_data(as_text=True)
    assert f'action="/notes/{note.id}/ask-extra-round"' in html
    response = post_form(
        client,
        f"/notes/{note.id}/ask-extra-round",
        {"brief_item": "brief", "comment": "One more pass please"},
        page=f"/notes/{note.id}/review",
    )
    assert response.status_code == 302
    db.session.refresh(note)
    assert note.extra_round_requested_at is not None


def test_after_a_refused_submission_the_editor_saves_and_submits_what_was_typed(client):
    """Issue 20: the refused page's editor used to post back to /submit (no action), so the
    old draft was checked again and the same "Missing" errors came back."""
    import re

    contract = funded_contract()
    note = draft_note(contract, body="Lovely.", hashtags="#glowserum")
    sign_in(client, contract.kol_id)
    refused = post_form(client, f"/notes/{note.id}/submit", page=f"/contracts/{contract.id}/note")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="note-form"', page)
    assert action and action.group(1) == f"/contracts/{contract.id}/note"
    typed = {"title": note.title, "body": "Lovely.", "hashtags": "#glowserum #ad"}
    response = post_form(
        client, action.group(1), {**typed, "and_submit": "1"}, page=action.group(1)
    )
    assert response.status_code == 302
    db.session.refresh(note)
    assert note.status == NoteStatus.SUBMITTED and note.hashtags == "#glowserum #ad"


def test_a_refused_save_and_submit_keeps_the_typed_text(client):
    contract = funded_contract()
    note = draft_note(contract, body="Lovely.", hashtags="#glowserum")
    sign_in(client, contract.kol_id)
    url = f"/contracts/{contract.id}/note"
    typed = {"title": "New title", "body": "Still no disclosure", "hashtags": "#glowserum"}
    response = post_form(client, url, {**typed, "and_submit": "1"})
    assert response.status_code == 422 and "disclosure" in response.get_data(as_text=True)
    db.session.refresh(note)
    assert note.status == NoteStatus.DRAFT and note.title == "New title"


def test_request_changes_about_has_no_preselected_brief_item(client):
    """Issue 20: "About" used to preselect the first hashtag, so a careless comment was filed
    under it; the brand now picks an item, and is told inline when none is picked."""
    import re

    contract = funded_contract()
    note = submitted_note(contract)
    sign_in(client, contract.brand_id)
    review = f"/notes/{note.id}/review"
    page = client.get(review).get_data(as_text=True)
    select = re.search(r'<select[^>]*id="brief_item".*?</select>', page, re.S).group(0)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert 'value=""' in first.group(0) and first.group(1) == "Choose…"
    assert "selected" not in select
    response = post_form(client, f"/notes/{note.id}/changes", {"comment": "Brighter"}, page=review)
    assert response.status_code == 422
    assert "Choose the part of the brief this is about." in response.get_data(as_text=True)
    db.session.refresh(note)
    assert note.status == NoteStatus.SUBMITTED
