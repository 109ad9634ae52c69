"""What the system writes for later reading (status reasons, ledger memos and kinds, brief items)
is a phrase from a closed list, rendered in the reader's language: every phrase the code writes
is on the list, and each reads in Chinese with no English left but its parameters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from app import stored_text
from app.contracts.lifecycle import KEEP_LIVE_BREACH
from app.payments.release import FROZEN, NO_PAYOUT_ACCOUNT, NO_TAX_DETAILS
from app.stored_text import (
    BRIEF_ITEMS,
    ENTRY_KINDS,
    MEMOS,
    PAYOUT_PROBLEMS,
    REASONS,
    entry_kind_label,
    memo_text,
    payout_problem_text,
    reason_text,
)

APP = Path(__file__).resolve().parent.parent / "app"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _written(keyword: str) -> list[tuple[str, str]]:
    """(file:line, phrase with every {…} as {}) of each string literal or f-string passed as
    ``keyword=`` anywhere in app/ (the seed's own data aside)."""
    found = []
    for path in APP.rglob("*.py"):
        if path.name.startswith("seed"):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.keyword) or node.arg != keyword:
                continue
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
            elif isinstance(value, ast.JoinedStr):
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "{}" for part in value.values
                )
            else:
                continue
            found.append((f"{path.relative_to(APP.parent)}:{node.value.lineno}", text))
    return found


def _shape(phrase: str) -> str:
    return PLACEHOLDER.sub("{}", phrase)


@pytest.mark.once  # reads the code, not a database
@pytest.mark.parametrize(("keyword", "registry"), [("reason", REASONS), ("memo", MEMOS)])
def test_every_phrase_the_code_writes_is_on_its_list(keyword, registry):
    known = {_shape(phrase) for phrase in registry}
    written = _written(keyword)
    assert len(written) >= 10
    # "Chargeback {}: funds {}" is written with the movement as an expression of its own.
    missing = [(where, text) for where, text in written if _shape(text) not in known]
    assert missing == []


def test_constants_used_as_reasons_are_on_the_list():
    assert KEEP_LIVE_BREACH in REASONS
    # Why a payout waits or is held: its status change's reason and the payout's own note.
    for code in (NO_PAYOUT_ACCOUNT, NO_TAX_DETAILS, FROZEN):
        assert code in REASONS and code in PAYOUT_PROBLEMS


@pytest.mark.parametrize("code", sorted(PAYOUT_PROBLEMS))
def test_why_a_payout_waits_reads_in_english_and_chinese(app, code):
    with app.test_request_context(), force_locale("en"):
        english = payout_problem_text(code)
    with app.test_request_context(), force_locale("zh_Hans"):
        chinese = payout_problem_text(code)
    assert english != code or code == FROZEN  # a sentence, not the code
    assert chinese != english and _english_left(chinese) == [], chinese


def test_why_a_payout_waits_old_english_rows_and_stripe_errors(app):
    old = (
        "The KOL has not given their tax details (tax residence and tax id); the payout waits "
        "until they do."
    )
    with app.test_request_context(), force_locale("en"):
        assert payout_problem_text(NO_TAX_DETAILS) == old
    with app.test_request_context(), force_locale("zh_Hans"):
        assert payout_problem_text(old) == payout_problem_text(NO_TAX_DETAILS) != old
        assert payout_problem_text("card_declined") == "card_declined"  # Stripe's, as written
        assert payout_problem_text(None) == ""


def _sample(phrase: str) -> str:
    """The phrase as the code writes it, with parameters a real row would hold."""
    values = {"item": "disclosure", "stage": "keep_live", "movement": "withdrawn"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "tr_1Ab"), phrase)


def _english_left(text: str) -> list[str]:
    return [
        word
        for word in LATIN_WORD.findall(text.replace("tr_1Ab", ""))
        if word not in ("KOL", "Stripe")
    ]  # names


@pytest.mark.parametrize("phrase", sorted(REASONS))
def test_each_reason_reads_in_chinese(app, phrase):
    with app.test_request_context(), force_locale("zh_Hans"):
        shown = reason_text(_sample(phrase))
    assert shown != _sample(phrase)
    assert _english_left(shown) == [], shown


@pytest.mark.parametrize("phrase", sorted(MEMOS))
def test_each_memo_reads_in_chinese(app, phrase):
    with app.test_request_context(), force_locale("zh_Hans"):
        shown = memo_text(_sample(phrase))
    assert _english_left(shown) == [], shown
    if "{id}" in phrase:
        assert "tr_1Ab" in shown  # the parameter kept


def test_kinds_and_brief_items_read_in_chinese(app):
    with app.test_request_context(), force_locale("zh_Hans"):
        labels = [entry_kind_label(kind) for kind in ENTRY_KINDS]
        labels += [stored_text.brief_item_label(item) for item in BRIEF_ITEMS]
    assert [label for label in labels if _english_left(label)] == []


def test_a_parameter_that_is_a_code_is_translated_and_typed_text_is_left_as_typed(app):
    with app.test_request_context(), force_locale("en"):
        assert reason_text("changes requested: disclosure") == "changes requested: Ad disclosure"
        assert reason_text("changes requested: #glow") == "changes requested: #glow"
        assert reason_text("revision 3") == "revision 3"
        assert memo_text("Released to KOL (keep_live)") == (
            "Released to the KOL (after the keep-live period)"
        )
        typed = "Brand and KOL agreed to end it; see ticket 44"
        assert reason_text(typed) == typed and memo_text(typed) == typed
        assert reason_text(None) == ""
