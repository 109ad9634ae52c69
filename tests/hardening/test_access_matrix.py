"""The access matrix: every route × method × caller × object owned by A/B/X/Y, against the
policy table in ``tests/hardening/policy.py``.

Callers: anonymous, brands A and B, KOLs X and Y, finance, admin, a shopper; and on the routes
open to brands, A's manager, analyst and finance members, a removed member of A, an agency's
member granted by A and one of an agency nobody granted (``team_may`` in the policy). Web routes are called with the caller's signed-in browser and a valid CSRF token;
``/api/v1`` with the caller's bearer key. Each call runs in a savepoint rolled back afterwards,
so one world serves the whole walk. Fails on: a route without a policy entry, a route whose
URL values the world cannot fill, a 5xx, an answer that lets a caller through where the policy
denies it (a leak: 2xx, a success redirect, or the view acting on the object), and a refusal
(401/403/sign-in redirect, or 404 on an object the caller may see) where the policy admits.
"""

from __future__ import annotations

from collections import Counter

import pytest

from app.extensions import db, limiter
from tests.conftest import csrf_token, signed_in
from tests.hardening.policy import BRAND, POLICY, PUBLIC, admits, reaches, team_may
from tests.hardening.world import Member, Obj, build_world, member_client, signed_in_clients

# Routes that end the caller's session are called last for each caller.
SESSION_ENDING = {"auth.logout"}


def _rules(app):
    for rule in sorted(
        app.url_map.iter_rules(), key=lambda r: (r.endpoint in SESSION_ENDING, r.rule)
    ):
        if rule.endpoint != "static":
            yield rule


def test_every_route_has_a_policy_entry(app):
    endpoints = {rule.endpoint for rule in _rules(app)}
    missing = sorted(endpoints - set(POLICY))
    stale = sorted(set(POLICY) - endpoints)
    print(f"policy table: {len(POLICY)} entries, {len(endpoints)} endpoints")
    assert missing == [], f"routes without an entry in tests/hardening/policy.py: {missing}"
    assert stale == [], f"policy entries for routes that no longer exist: {stale}"


def _outcome(response, api: bool) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return "error"
    if status == 302 and "/auth/login" in location and not api:
        return "login"
    if status in (401, 403, 404):
        return str(status)
    if 200 <= status < 300:
        return "2xx"
    return "acted"  # a redirect after acting, 400/409/422: the view ran on the object


def _expected(policy, principal: str, role: str | None, obj: Obj, api: bool) -> set[str]:
    if not admits(policy, role):
        if role is None:
            return {"401"} if api else {"login"}
        return {"403"}
    if obj.missing:
        return {"404"}
    if not reaches(policy, principal, role, obj.owners, obj.public):
        return {"403", "404"}
    return {"2xx", "acted"}


def _expected_of_member(policy, endpoint: str, method: str, member: Member, obj: Obj,
                        api: bool) -> set[str]:  # fmt: skip
    """A brand team's or agency's member: their role first, then the objects of the brand
    they act for (a removed member's API keys no longer work at all)."""
    if api and member.own_role is None and PUBLIC not in policy.audience:
        return {"401"}
    if not team_may(endpoint, method, member.role, member.own_role, member.acts_for is not None):
        return {"403"}
    return _expected(policy, member.acts_for or "nobody", BRAND, obj, api)


def test_access_matrix(app):
    world = build_world()
    clients = signed_in_clients(app, world)
    principals = list(clients)
    # The anonymous home page has no form (no session); the sign-in page has one.
    tokens = {p: csrf_token(c, "/auth/login" if p == "anon" else "/") for p, c in clients.items()}
    connection = db._app_engines[app][None]  # the test's connection (tests/conftest.py)
    adapter = app.url_map.bind("localhost")
    tried, outcomes = 0, Counter()
    failures: list[str] = []
    unfilled: list[str] = []

    for rule in _rules(app):
        policy = POLICY.get(rule.endpoint)
        if policy is None:
            continue  # reported by test_every_route_has_a_policy_entry
        objects = world.objects_for(rule.endpoint, rule.arguments)
        if not rule.arguments and not objects:
            objects = [Obj({}, frozenset(), True)]
        if rule.arguments and not objects:
            unfilled.append(f"{rule.endpoint} {sorted(rule.arguments)}")
            continue
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for obj in objects:
                url = adapter.build(rule.endpoint, obj.values, method=method)
                for principal in principals:
                    member = world.team.get(principal)
                    if member is not None and BRAND not in policy.audience:
                        continue  # as their brand's account: the brand's own calls cover it
                    role = BRAND if member else world.role_of(principal)
                    kwargs: dict = {}
                    client = clients[principal]
                    if api:
                        client = app.test_client()  # cookies never reach the API
                        if principal != "anon":
                            kwargs["headers"] = {"Authorization": f"Bearer {world.keys[principal]}"}
                        if member is not None and member.brand_header:
                            kwargs["headers"]["Brand-Id"] = str(world.users[member.brand_header].id)
                        if method != "GET":
                            kwargs["json"] = {}
                    elif method != "GET":
                        kwargs["data"] = {"csrf_token": tokens[principal]}
                    savepoint = connection.begin_nested()
                    try:
                        response = client.open(url, method=method, **kwargs)
                    finally:
                        savepoint.rollback()
                    tried += 1
                    got = _outcome(response, api)
                    outcomes[got] += 1
                    want = (
                        _expected_of_member(policy, rule.endpoint, method, member, obj, api)
                        if member is not None
                        else _expected(policy, principal, role, obj, api)
                    )
                    if got not in want:
                        failures.append(
                            f"{method} {url} ({rule.endpoint}, {obj.label or obj.values}) as "
                            f"{principal}: {response.status_code} {got}, expected {sorted(want)}"
                        )
                    if rule.endpoint in SESSION_ENDING and principal != "anon":
                        clients[principal] = (
                            member_client(app, world, principal)
                            if member is not None
                            else signed_in(app, world.users[principal])
                        )
                        tokens[principal] = csrf_token(clients[principal], "/")
        limiter.reset()

    print(
        f"access matrix: {tried} calls, {len(principals)} callers, "
        f"outcomes {dict(sorted(outcomes.items()))}, {len(failures)} failures"
    )
    assert unfilled == [], f"no objects to fill these URLs (tests/hardening/world.py): {unfilled}"
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:200])


def test_others_boards_stay_put(app):
    """Board routes answer a stranger's board id with a flash, not a 404: prove no effect."""
    from app.engagement.models import WishlistBoard
    from tests.conftest import post_form
    from tests.factories import make_kol

    owner, stranger = make_kol(), make_kol()
    board = WishlistBoard(user_id=owner.id, name="Mine", is_private=True)
    db.session.add(board)
    db.session.commit()
    client = signed_in(app, stranger)
    url = f"/wishlist/boards/{board.id}"
    post_form(client, url, {"name": "Taken", "is_private": ""}, page="/wishlist")
    post_form(client, f"{url}/delete", page="/wishlist")
    assert client.get(url).status_code == 404  # private: not even visible to the stranger
    db.session.expire_all()
    kept = db.session.get(WishlistBoard, board.id)
    assert kept is not None and kept.name == "Mine" and kept.is_private


# Database-agnostic: CI runs it on the PostgreSQL pass only (conftest `once_pg`), which has
# room for it.
pytestmark = pytest.mark.once_pg
