"""Structured logs: a request id on every line and on the response, the JSON line's shape,
the signed-in user, and staged jobs carrying the id of the request that staged them."""

from __future__ import annotations

import logging
import re

from app.extensions import db
from app.jobs import run_staged_job, stage_job
from tests.conftest import sign_in
from tests.factories import make_user

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_a_well_formed_incoming_request_id_is_kept_and_echoed(client):
    response = client.get("/", headers={"X-Request-ID": "edge-7f3a9c1d-0001"})
    assert response.headers["X-Request-ID"] == "edge-7f3a9c1d-0001"


def test_a_missing_or_malformed_request_id_is_replaced_by_a_fresh_one(client):
    generated = client.get("/").headers["X-Request-ID"]
    assert HEX32.match(generated)
    for bad in (
        "short",
        "has space in it",
        'quote"injection-123',
        "x" * 300,
        "tab\tbreak1234",
        "ünïcödé-12345",
    ):
        echoed = client.get("/", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert HEX32.match(echoed), bad
    assert client.get("/").headers["X-Request-ID"] != generated  # one per request


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "req-404-000001"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "req-404-000001"


def test_access_line_is_one_json_object_with_the_request_fields(client, json_logs):
    client.get("/campaigns?q=x", headers={"X-Request-ID": "req-json-000001"})
    line = json_logs.access("/campaigns")
    assert line["request_id"] == "req-json-000001"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["logger"] == "kol.access"
    assert line["message"] == "GET /campaigns 200"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$", line["timestamp"])
    assert "user_id" not in line  # anonymous
    assert all(line.count("\n") == 0 for line in json_logs.lines())  # one line per record


def test_every_line_of_a_request_carries_its_request_id(client, json_logs):
    # The webhook logs a warning of its own before the access line.
    client.post(
        "/webhooks/stripe",
        data=b"{}",
        headers={"Stripe-Signature": "t=1,v1=bad", "X-Request-ID": "req-lines-000001"},
    )
    records = [r for r in json_logs.records() if r.get("path") == "/webhooks/stripe"]
    loggers = {r["logger"] for r in records}
    assert {"app.payments.routes", "kol.access"} <= loggers
    assert {r["request_id"] for r in records} == {"req-lines-000001"}


def test_exceptions_are_kept_inside_the_json_line(app, json_logs):
    with app.test_request_context("/boom", headers={"X-Request-ID": "req-exc-0000001"}):
        app.preprocess_request()
        try:
            raise ValueError("broken")
        except ValueError:
            logging.getLogger("tests.ops").exception("it failed")
    (record,) = [r for r in json_logs.records() if r["logger"] == "tests.ops"]
    assert record["request_id"] == "req-exc-0000001" and record["level"] == "ERROR"
    assert "ValueError: broken" in record["exception"]


def test_signed_in_user_id_is_on_the_access_line(app, client, ctx, json_logs):
    user = make_user()
    sign_in(client, user)
    client.get("/profile")
    assert json_logs.access("/profile")["user_id"] == user.id


def test_text_format_shows_the_request_id(client, text_logs):
    client.get("/", headers={"X-Request-ID": "req-text-0000001"})
    (line,) = [line for line in text_logs.lines() if "kol.access" in line]
    assert "[req-text-0000001] GET / 200 status=200 duration_ms=" in line


def test_a_staged_job_logs_with_the_request_id_that_staged_it(app, json_logs):
    # Staged during a request, run later elsewhere (the RQ worker): the row keeps the id.
    with app.test_request_context("/stage", headers={"X-Request-ID": "req-stage-000001"}):
        app.preprocess_request()
        staged = stage_job("tests.ops.log", value=3)
        db.session.flush()
        staged_id = staged.id
    assert "_request_id" in staged.kwargs
    with app.app_context():
        run_staged_job(staged_id)  # no request: as in a worker
    (line,) = [r for r in json_logs.records() if r["logger"] == "tests.ops.job"]
    assert line["message"] == "job ran with 3"  # the job got its own arguments only
    assert line["request_id"] == "req-stage-000001"
    assert line["job_id"] == staged_id and line["job"] == "tests.ops.log"


def test_configured_format_follows_the_environment(app):
    from app.observability.logging import log_format

    saved = dict(app.config)
    try:
        app.config.update(LOG_FORMAT=None, ENV_NAME="production")
        assert log_format(app) == "json"
        app.config.update(LOG_FORMAT=None, ENV_NAME="development")
        assert log_format(app) == "text"
        app.config.update(LOG_FORMAT="json", ENV_NAME="development")
        assert log_format(app) == "json"
    finally:
        app.config.clear()
        app.config.update(saved)


def test_an_outage_answered_503_is_one_warning_line_and_a_bug_keeps_its_traceback(
    app, client, json_logs, monkeypatch
):
    """A database that went away is answered (503 + Retry-After), not a bug: it logs one
    warning without a traceback, so the real errors stay visible; anything else is an error
    with its traceback."""
    from sqlalchemy.exc import OperationalError

    from app.authz import ACCESS_ATTR

    def database_gone(**_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    def bug(**_kwargs):
        raise ZeroDivisionError("a real bug")

    endpoint = "notes.explore"
    for view in (database_gone, bug):  # who may open it, as the real view declares
        setattr(view, ACCESS_ATTR, getattr(app.view_functions[endpoint], ACCESS_ATTR))
    monkeypatch.setitem(app.view_functions, endpoint, database_gone)
    response = client.get("/explore")
    assert response.status_code == 503 and response.headers["Retry-After"]
    monkeypatch.setitem(app.view_functions, endpoint, bug)
    assert client.get("/explore").status_code == 500
    app_lines = [r for r in json_logs.records() if r["logger"] == "app.errors"]
    assert [r["level"] for r in app_lines] == ["WARNING", "ERROR"]
    assert "exception" not in app_lines[0] and "OperationalError" in app_lines[0]["message"]
    assert "ZeroDivisionError" in app_lines[1]["exception"]
