"""Project rules checked on the source with ``ast`` (each checker is also shown a bad snippet,
so a broken checker fails here instead of passing everything):

1. Every Stripe write in app/payments/gateway.py passes an idempotency key, and nothing else in
   app/ talks to Stripe directly (only the gateway and the built-in emulator import ``stripe``).
2. No job is enqueued inside a request transaction: ``enqueue``/``enqueue_call``/``enqueue_at``/
   ``enqueue_in`` appear only in app/jobs.py (everyone else stages jobs with ``stage_job``,
   sent after commit from the outbox).
3. No raw SQL built from strings: nothing passed to ``text()``, ``execute()`` or
   ``exec_driver_sql()`` is an f-string, a ``%``/``+`` concatenation or a ``.format()``/
   ``.join()`` call, directly or through a variable assigned one in the same module, unless
   the statement is built from constants only and says so with bandit's ``# nosec B608``.
4. No ``str.isdigit()`` in app/: it passes digits that ``int()`` refuses (``"²"``, ``"①"``), so
   a request value it lets through could still end in a 500; ``isdecimal()`` is exactly what
   ``int()`` reads.
5. No test module (tests/**/test_*.py) imports another: what suites share lives in support
   modules (tests/factories.py, conftest helpers, support.py and the like), so one suite's
   helpers cannot change under another, and no test is collected a second time.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TESTS = ROOT / "tests"
GATEWAY = APP / "payments" / "gateway.py"
JOBS = APP / "jobs.py"
STRIPE_ALLOWED = {GATEWAY, *(APP / "payments" / "emulator").rglob("*.py")}
READS = {"retrieve", "list", "search", "construct_event", "list_line_items"}
# Writes that move no money and are meant to be fresh on every call.
NO_KEY_NEEDED = {"account_links.create"}  # a single-use onboarding link per click
ENQUEUE = {"enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "enqueue_many"}
SQL_CALLS = {"text", "execute", "exec_driver_sql"}


def _sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(APP.rglob("*.py"))}


def _dotted(node: ast.AST) -> str:
    """`client().v1.transfers.create` → "client().v1.transfers.create"."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def _has_key(call: ast.Call) -> bool:
    options = [*call.args[1:], *(k.value for k in call.keywords if k.arg in {"options", None})]
    return any(
        isinstance(o, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "idempotency_key" for k in o.keys)
        for o in options
    ) or any(k.arg == "idempotency_key" for k in call.keywords)


def stripe_writes_without_key(source: str) -> list[str]:
    """Calls on the Stripe client (``client().v1.…``/``stripe.…``) that write without a key."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = _dotted(node.func)
        if not (name.startswith("client().v1.") or name.startswith("stripe.")):
            continue
        method = node.func.attr
        resource_call = ".".join(name.split(".")[-2:])
        if method in READS or resource_call in NO_KEY_NEEDED or name.startswith("stripe.Webhook"):
            continue
        if name.startswith("stripe.") and method[0].isupper():
            continue  # a class (stripe.StripeClient(...)), not a request
        if name == "stripe.new_default_http_client":
            continue  # builds the HTTP client the StripeClient sends through
        if not _has_key(node):
            bad.append(f"line {node.lineno}: {name}(…) without an idempotency key")
    return bad


def stripe_imports(source: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        bad += [f"line {node.lineno}: imports {n}" for n in names if n.split(".")[0] == "stripe"]
    return bad


def enqueues(source: str) -> list[str]:
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ENQUEUE:
                bad.append(f"line {node.lineno}: {name}(…)")
    return bad


def _dynamic(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"format", "join"}
    )


def _reviewed(node: ast.AST, lines: list[str]) -> bool:
    """Built from constants only, reviewed and marked as such (bandit's ``nosec B608``)."""
    span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
    return any("nosec B608" in line for line in span)


def raw_sql_from_strings(source: str) -> list[str]:
    tree = ast.parse(source)
    lines = source.splitlines()
    dynamic_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
        and node.value is not None
        and (_dynamic(node.value) or isinstance(node, ast.AugAssign))
        and not _reviewed(node, lines)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in SQL_CALLS:
            continue
        first = node.args[0]
        if (_dynamic(first) and not _reviewed(first, lines)) or (
            isinstance(first, ast.Name) and first.id in dynamic_names
        ):
            bad.append(f"line {node.lineno}: {name}() of a string built at run time")
    return bad


def _report(rule: str, found: dict[Path, list[str]], files: int) -> None:
    count = sum(len(v) for v in found.values())
    print(f"project rule '{rule}': {files} files checked, {count} violations")


# --- the rules on the real code --------------------------------------------------------------


def test_every_stripe_write_passes_an_idempotency_key():
    source = GATEWAY.read_text(encoding="utf-8")
    writes = sum(
        1
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and _dotted(n.func).startswith("client().v1.")
        and n.func.attr not in READS
    )  # fmt: skip
    bad = stripe_writes_without_key(source)
    _report("idempotent Stripe writes", {GATEWAY: bad}, 1)
    assert writes >= 4, "the checker no longer sees the gateway's writes"
    assert bad == []


def test_only_the_gateway_talks_to_stripe():
    found = {
        path.relative_to(ROOT): stripe_imports(src)
        for path, src in _sources().items()
        if path not in STRIPE_ALLOWED
    }
    found = {k: v for k, v in found.items() if v}
    _report("Stripe only through the gateway", found, len(_sources()))
    assert found == {}


def test_jobs_are_only_enqueued_by_the_outbox():
    sources = _sources()
    found = {p.relative_to(ROOT): enqueues(s) for p, s in sources.items() if p != JOBS}
    found = {k: v for k, v in found.items() if v}
    _report("no enqueue outside app/jobs.py", found, len(sources))
    assert enqueues(JOBS.read_text(encoding="utf-8")), "the checker no longer sees jobs.py's"
    assert found == {}


def test_no_raw_sql_built_from_strings():
    sources = _sources()
    found = {p.relative_to(ROOT): raw_sql_from_strings(s) for p, s in sources.items()}
    found = {k: v for k, v in found.items() if v}
    _report("no SQL built from strings", found, len(sources))
    assert found == {}


def isdigit_calls(source: str) -> list[str]:
    return [
        f"line {node.lineno}: .isdigit()"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "isdigit"
    ]


def imports_of_test_modules(source: str) -> list[str]:
    """Imports of a test module (a dotted name with a ``test_*`` part, relative or absolute)."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names = [module, *(f"{module.rstrip('.')}.{a.name}" for a in node.names)]
        bad += [
            f"line {node.lineno}: imports {n}"
            for n in dict.fromkeys(names)
            if any(part.startswith("test_") for part in n.split("."))
        ][:1]
    return bad


def test_numbers_are_checked_with_isdecimal():
    sources = _sources()
    found = {p.relative_to(ROOT): isdigit_calls(s) for p, s in sources.items()}
    found = {k: v for k, v in found.items() if v}
    _report("no str.isdigit() before int()", found, len(sources))
    assert found == {}


def test_test_modules_import_no_other_test_module():
    sources = {path: path.read_text(encoding="utf-8") for path in sorted(TESTS.rglob("*.py"))}
    found = {p.relative_to(ROOT): imports_of_test_modules(s) for p, s in sources.items()}
    found = {k: v for k, v in found.items() if v}
    _report("test modules import only support modules", found, len(sources))
    assert len(sources) > 100, "the checker no longer sees the tests"
    assert found == {}


# --- the checkers on bad and good snippets ---------------------------------------------------


def _snippet(code: str) -> str:
    return textwrap.dedent(code)


def test_checkers_catch_bad_snippets():
    assert stripe_writes_without_key(
        _snippet("""
        def pay():
            client().v1.transfers.create({"amount": 1})
            client().v1.refunds.create({"charge": "ch"}, {"expand": []})
            stripe.Refund.create(charge="ch")
        """)
    ) == [
        "line 3: client().v1.transfers.create(…) without an idempotency key",
        "line 4: client().v1.refunds.create(…) without an idempotency key",
        "line 5: stripe.Refund.create(…) without an idempotency key",
    ]
    assert stripe_imports("import stripe\nfrom stripe import Transfer\n") == [
        "line 1: imports stripe",
        "line 2: imports stripe",
    ]
    assert enqueues("def view():\n    queue().enqueue(f)\n    Queue('x').enqueue_call(f)\n") == [
        "line 2: enqueue(…)",
        "line 3: enqueue_call(…)",
    ]
    bad_sql = _snippet("""
        def rows(q, order):
            db.session.execute(text(f"SELECT * FROM users WHERE email = '{q}'"))
            db.session.execute(text("SELECT * FROM users ORDER BY " + order))
            db.session.execute("SELECT %s" % q)
            sql = "SELECT * FROM t WHERE name = '{}'".format(q)
            db.session.execute(text(sql))
            connection.exec_driver_sql(f"DELETE FROM t WHERE id = {q}")
        """)
    found = sorted(int(line.split(":")[0].split()[1]) for line in raw_sql_from_strings(bad_sql))
    assert found == [3, 4, 5, 7, 8]
    assert isdigit_calls("page = int(raw) if raw.isdigit() else 1\n") == ["line 1: .isdigit()"]
    assert imports_of_test_modules(
        _snippet("""
        from tests.engagement.test_note_page import post
        import tests.auth.test_login
        from tests.notes import test_review
        from .test_process_faults import free_port
        """)
    ) == [
        "line 2: imports tests.engagement.test_note_page",
        "line 3: imports tests.auth.test_login",
        "line 4: imports tests.notes.test_review",
        "line 5: imports .test_process_faults",
    ]


def test_checkers_pass_good_snippets():
    assert not stripe_writes_without_key(
        _snippet("""
        client().v1.transfers.create(params, {"idempotency_key": f"payout-{pid}-{key}"})
        client().v1.charges.retrieve(charge_id)
        stripe.Webhook.construct_event(payload, sig, secret)
        client().v1.account_links.create({"account": a})
        """)
    )
    assert not enqueues("stage_job('payments.release', contract_id=1)\n")
    assert not isdigit_calls("page = int(raw) if raw.isdecimal() else 1\n")
    assert not imports_of_test_modules(
        _snippet("""
        from tests.factories import make_deal
        from tests.conftest import sign_in, signed_in
        from tests.hardening.money.support import free_port
        from flask.testing import FlaskClient
        """)
    )
    assert not raw_sql_from_strings(
        _snippet("""
        MATCH = text("SELECT id FROM notes WHERE notes_fts MATCH :q")
        db.session.execute(MATCH, {"q": q})
        db.session.execute(select(User).where(User.email == q))
        """)
    )


# Rules read from the code, never a database: the SQLite pass only (conftest `once`).
pytestmark = pytest.mark.once
