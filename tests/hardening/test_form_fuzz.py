"""The main state-changing forms fuzzed with hostile values and a valid CSRF token.

Each case posts every field of the form (read from the page that shows it) filled with random
text, unicode, huge, empty, NaN, negative or markup values. No answer may be a 5xx; the rest
must be the form again with its errors (422/400/409), a redirect (success or a flash), or 404
for an object the value cannot name. ``FUZZ_EXAMPLES`` raises the budget.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.contracts.models import ContractStatus
from app.extensions import limiter
from tests.conftest import csrf_token, sign_in
from tests.factories import make_campaign, make_contract, make_kol, make_user

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
ALLOWED = {200, 302, 303, 400, 404, 409, 413, 422}
NASTY = [
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-99999999999999999999999",
    "99999999999999999999999999999",
    "1e309",
    "0x10",
    "1,000.50",
    "12.345",
    "2026-13-45",
    "0000-00-00",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "𝕏" * 300,
    "x" * 20_000,
    "<script>alert(1)</script>",
    "{{7*7}}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "javascript:alert(1)",
    "http://",
    "not-an-email",
    "a@b",
    "true",
    "[]",
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=80), st.integers().map(str))
NAME_RE = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
FORM_RE = re.compile(r"<form([^>]*)>(.*?)</form>", re.S)
ACTION_RE = re.compile(r'action="([^"]*)"')
SKIP = {"csrf_token", "submit"}


def _fields(html: str, page: str, action: str, fallback: tuple[str, ...]) -> list[str]:
    """The names of the fields of the form that posts to ``action`` on the page."""
    names: list[str] = []
    for attrs, body in FORM_RE.findall(html):
        found = ACTION_RE.search(attrs)
        target = found.group(1) if found and found.group(1) else page
        if target.split("?")[0].endswith(action):
            names += NAME_RE.findall(body)
    return sorted(set(names) - SKIP) or list(fallback)


def _world():
    brand = make_user("brand")
    kol = make_kol(verified=True)
    admin = make_user("admin")
    victim = make_user("brand")
    campaign = make_campaign(brand)
    draft = make_campaign(brand, status="draft", published_at=None)
    from tests.factories import make_bid

    contract = make_contract(make_bid(make_campaign(brand), kol))
    funded = make_contract(make_bid(make_campaign(brand), kol))
    funded.status = ContractStatus.FUNDED
    return dict(
        brand=brand, kol=kol, admin=admin, victim=victim, c=campaign, d=draft, k=contract, f=funded
    )


def _targets(w) -> list[tuple[str, str | None, str, str, tuple[str, ...]]]:
    """(name, who, page with the form, url it posts to, fallback fields)."""
    k = w["k"].id
    return [
        ("register", None, "/auth/register", "/auth/register", ("email", "password", "role")),
        ("login", None, "/auth/login", "/auth/login", ("email", "password")),
        ("brand profile", "brand", "/profile", "/profile", ("name",)),
        ("kol profile", "kol", "/profile", "/profile", ("name", "bio")),
        ("social account", "kol", "/profile", "/profile/social", ("platform", "handle")),
        ("verification", "kol", "/profile/verification", "/profile/verification", ("handles",)),
        ("api key", "brand", "/settings/api-keys", "/settings/api-keys", ("name",)),
        ("campaign create", "brand", "/campaigns/new", "/campaigns/new", ("title",)),
        ("campaign edit", "brand", f"/campaigns/{w['d'].id}/edit", f"/campaigns/{w['d'].id}/edit", ("title",)),
        ("bid create", "kol", f"/campaigns/{w['c'].id}/bid", f"/campaigns/{w['c'].id}/bid", ("price", "pitch")),
        ("note save", "kol", f"/contracts/{w['f'].id}/note", f"/contracts/{w['f'].id}/note", ("title", "body")),
        ("message post", "brand", f"/contracts/{k}", f"/contracts/{k}/messages", ("body",)),
        ("payments cancel", "brand", f"/contracts/{k}", f"/contracts/{k}/cancel", ("reason",)),
        ("payments dispute", "brand", f"/contracts/{w['f'].id}", f"/contracts/{w['f'].id}/dispute", ("reason",)),
        ("admin disable", "admin", "/admin/users", f"/admin/users/{w['victim'].id}/disable", ("reason",)),
    ]  # fmt: skip


def _fuzz_form(app, client, who, page: str, url: str, fields: list[str], count) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(values=st.fixed_dictionaries({f: VALUES for f in fields}))
    def run(values):
        limiter.reset()  # the login limit is tested elsewhere; here every case must reach the form
        # A successful sign-up or sign-in must not leak into the next anonymous case.
        poster = app.test_client() if who is None else client
        values["csrf_token"] = csrf_token(poster, page)
        response = poster.post(url, data=values)
        count(response.status_code)
        body = response.get_data(as_text=True)
        assert "csrf_failed" not in body and "The form expired" not in body
        assert response.status_code in ALLOWED, (response.status_code, values)

    run()


def test_state_changing_forms_never_fail_on_hostile_input(app):
    w = _world()
    tried: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    per_form: dict[str, Counter[int]] = {}
    fields_of: dict[str, int] = {}

    def _count(name: str, status: int) -> None:
        tried[name] += 1
        statuses[status] += 1
        per_form.setdefault(name, Counter())[status] += 1

    for name, who, page, url, fallback in _targets(w):
        client = app.test_client()
        limiter.reset()
        if who:
            sign_in(client, w[who])
        fields = _fields(client.get(page).get_data(as_text=True), page, url, fallback)
        fields_of[name] = len(fields)

        try:
            _fuzz_form(app, client, who, page, url, fields, partial(_count, name))
        except Exception as error:
            failures.append(f"{name} ({url}, fields {fields}): {error!r}"[:3000])
    print(
        f"form fuzz: {sum(tried.values())} cases over {len(tried)} forms "
        f"{dict(tried)}, statuses {dict(sorted(statuses.items()))}, {len(failures)} failures"
    )
    for name, counts in per_form.items():
        print(f"  {name}: {fields_of[name]} fields, {dict(sorted(counts.items()))}")
    assert not failures, "\n\n".join(failures)


# Database-agnostic: CI runs it on the SQLite pass only (conftest `once`), which has room for it.
pytestmark = pytest.mark.once
