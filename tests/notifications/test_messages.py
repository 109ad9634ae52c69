"""Every kind of notification reads in the reader's language: no English left in zh_Hans."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.notifications.messages import MESSAGES, money, render
from config import BASE_DIR

PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
MONEY_PARAMS = {"price", "p", "amount", "refund", "release"}
# Names and codes that stay as they are in Chinese copy.
KEPT_WORDS = {"KOL", "Stripe"}


def _catalogue():
    path = BASE_DIR / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


def _params(msgid: str) -> dict:
    """Representative facts: numbers, CNY amounts, and text with no Latin letters (a title
    or reason is the user's words, kept as typed; here it must not hide English)."""
    params = {}
    for name, kind in PLACEHOLDER.findall(msgid):
        if name in MONEY_PARAMS:
            params[name] = money(123456, "cny")
        elif kind == "d":
            params[name] = 42
        else:
            params[name] = "①"
    return params


@pytest.mark.once  # renders the catalogue's text, never a stored row
@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_every_kind_renders_in_both_languages(app, kind):
    msgid = MESSAGES[kind]._args[0]
    entry = _catalogue().get(msgid)
    assert entry is not None and entry.string, f"{kind}: no Chinese for {msgid!r}"
    assert "fuzzy" not in entry.flags, f"{kind}: the Chinese is fuzzy"
    params = _params(msgid)
    with force_locale("en"):
        english = render(kind, params)
    with force_locale("zh_Hans"):
        chinese = render(kind, params)
    assert chinese != english
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
    leftover = set(re.findall(r"[A-Za-z]{2,}", chinese)) - KEPT_WORDS
    assert not leftover, f"{kind}: English in zh_Hans: {chinese!r}"
    # Every fact shows up in both languages.
    for value in params.values():
        if value == "①":
            assert "①" in english and "①" in chinese
    if any(name in MONEY_PARAMS for name in params):
        assert "CN¥1,234.56" in english and "¥1,234.56" in chinese


def test_money_is_formatted_for_the_reader_and_by_its_currency(app):
    params = {"t": "Serum", "p": money(5000, "jpy")}
    with force_locale("en"):
        assert render("bid.accepted", params) == "Deal agreed on “Serum” at ¥5,000."
    with force_locale("zh_Hans"):
        assert "JP¥5,000" in render("bid.accepted", params)


def test_a_row_stored_before_codes_reads_as_stored(app):
    with force_locale("zh_Hans"):
        assert render("bid.new", None, "New bid of $5.00 on “Serum”.") == (
            "New bid of $5.00 on “Serum”."
        )
        # A kind no longer known, or facts that no longer fit, fall back the same way.
        assert render("gone.kind", {"x": 1}, "Old words") == "Old words"
        assert render("bid.new", {"title": "Serum"}, "Old words") == "Old words"


def test_every_kind_fits_the_kind_column():
    from app.notifications.models import Notification

    width = Notification.__table__.c.kind.type.length
    assert all(len(kind) <= width for kind in MESSAGES)
