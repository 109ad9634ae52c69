"""Simplified Chinese: the language switch, the browser's preference, and a complete catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import post_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
ZH_PO = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
ZH_MO = ZH_PO.with_suffix(".mo")
POT = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"%\(([^)]+)\)([a-zA-Z])")

SIGN_IN_ZH = "登录"
FORGOT_ZH = "忘记密码？"


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _messages(path: Path):
    return [message for message in _catalog(path) if message.id]


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text))


def test_compiled_catalog_is_up_to_date():
    assert ZH_MO.exists(), "translations are not compiled: run `make translations`"
    assert ZH_MO.stat().st_mtime >= ZH_PO.stat().st_mtime, (
        "messages.mo is older than messages.po: run `make translations`"
    )


def test_english_is_the_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page
    assert SIGN_IN_ZH not in page


def test_switching_to_chinese_translates_the_login_page(client):
    response = post_form(client, "/lang/zh_Hans", page="/auth/login")
    assert response.status_code == 302

    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert f"<h1>{SIGN_IN_ZH}</h1>" in page
    assert FORGOT_ZH in page
    assert "Forgot your password?" not in page


def test_switching_back_to_english(client):
    post_form(client, "/lang/zh_Hans", page="/auth/login")
    post_form(client, "/lang/en", page="/auth/login")
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<h1>Sign in</h1>" in page


@pytest.mark.parametrize("header", ["zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "zh"])
def test_chinese_browser_gets_chinese_on_first_visit(client, header):
    page = client.get("/auth/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert f"<h1>{SIGN_IN_ZH}</h1>" in page


def test_form_errors_are_shown_in_chinese(client):
    post_form(client, "/lang/zh_Hans", page="/auth/login")
    response = post_form(client, "/auth/register", {"email": "not an e-mail"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "请修改下方标出的字段。" in page


def test_every_message_has_a_chinese_translation():
    untranslated = [
        message.id
        for message in _messages(ZH_PO)
        if not all(string.strip() for string in _strings(message))
    ]
    assert untranslated == []


def test_no_translation_is_fuzzy():
    fuzzy = [message.id for message in _messages(ZH_PO) if message.fuzzy]
    assert fuzzy == []


def test_placeholders_match_the_source():
    mismatched = []
    for message in _messages(ZH_PO):
        expected = set().union(*(_placeholders(text) for text in _ids(message)))
        for string in _strings(message):
            if _placeholders(string) != expected:
                mismatched.append((message.id, string))
    assert mismatched == []


def test_catalog_covers_the_extracted_template():
    """Every msgid of messages.pot is in the Chinese catalog (run `make extract-messages`)."""
    translated = {message.id for message in _messages(ZH_PO)}
    missing = [message.id for message in _messages(POT) if message.id not in translated]
    assert missing == []


def test_a_signed_out_visitor_sent_to_sign_in_is_told_why_in_their_language(client):
    response = client.get("/settings/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get("/auth/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "请登录后访问此页面。" in page
    assert "Please log in" not in page


def test_signing_in_keeps_the_language_in_use_for_what_is_sent_later(app, client):
    from app.auth.models import User
    from app.extensions import db
    from tests.factories import PASSWORD, make_user

    user = make_user("kol")
    assert user.locale is None  # an account from before languages were kept
    post_form(client, "/lang/zh_Hans", page="/auth/login")
    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh_Hans"  # its e-mails now come in Chinese
