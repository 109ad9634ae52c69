"""Domain errors raised by services, and the HTML/JSON error handlers."""

from __future__ import annotations

import contextlib
import json
import logging

from flask import Flask, Response, abort, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.db_types import MAX_ID
from app.extensions import db, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the product was broken; the message is shown to the user."""

    status = 422
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def fields(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class ValidationFailed(DomainError):
    """Input failed validation; ``errors`` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]], message: str | None = None):
        super().__init__(message or _("Some fields are not valid."))
        self.errors = errors

    @property
    def fields(self) -> dict[str, list[str]]:
        return self.errors


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object moved on (a concurrent change or an illegal transition)."""

    status = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


HTTP_MESSAGES = {
    400: ("bad_request", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Authentication is required.")),
    403: ("forbidden", _l("You do not have access to this page.")),
    404: ("not_found", _l("The page or object does not exist.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("The object changed; reload and try again.")),
    413: ("too_large", _l("The upload is too large.")),
    422: ("unprocessable", _l("Some fields are not valid.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a minute and try again.")),
    500: ("server_error", _l("Something went wrong on our side. We have been told.")),
    503: ("unavailable", _l("The service is temporarily unavailable. Please retry shortly.")),
}


# Failures of a service the app depends on (the database, Redis, a mail or other server), not
# of the request: answered 503 with Retry-After, the client may simply try again.
RETRY_AFTER_SECONDS = "5"


def _outages() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    return (
        OperationalError,
        InterfaceError,
        PoolTimeoutError,
        RedisConnectionError,
        RedisTimeoutError,
        ConnectionError,
        TimeoutError,
    )


def is_outage(error: BaseException | None) -> bool:
    return error is not None and isinstance(error, _outages())


def _show_as_visitor() -> None:
    """Draw the error page without the database: drop the failed transaction and show the
    visitor's layout and language. The signed-in user's menu, language and unread count all
    need the database that may be down (loading them again would fail again, and escape every
    handler as the server's bare 500)."""
    with contextlib.suppress(Exception):  # the connection is gone: nothing to roll back
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()


def _error_response(status: int, message, code: str | None, fields) -> Response:
    default_code, default_message = HTTP_MESSAGES.get(status, ("error", "Error"))
    text = str(message or default_message)  # a lazy message: translating picks the locale
    if wants_json():
        response, _status = json_error(status, code or default_code, text, fields)
    else:
        html = render_template("errors/error.html", status=status, message=text)
        response = make_response(html)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _render_error(status: int, message=None, code: str | None = None, fields=None) -> Response:
    """The error as HTML, or as the JSON envelope under /api/. It must answer even when the
    database, Redis or the mail server is down, signed in or not: a failure while drawing it
    (the layout loads the user, a translation picks their language) is retried as a visitor,
    then answered with a page that needs nothing."""
    try:
        return _error_response(status, message, code, fields)
    except Exception as error:
        log.warning(
            "error page %s needed a service that failed (%r); shown as to a visitor", status, error
        )
    _show_as_visitor()
    try:
        return _error_response(status, message, code, fields)
    except Exception:
        log.exception("error page could not render; sending the bare one")
    return _bare_response(status)


def _bare_response(status: int) -> Response:
    """The last resort: built from nothing but the status (no template, no translation)."""
    if wants_json():
        body = json.dumps({"error": {"code": "error", "message": f"HTTP {status}", "fields": {}}})
        response = Response(body, status, mimetype="application/json")
    else:
        response = Response(f"<!doctype html><title>{status}</title><h1>{status}</h1>", status)
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def refuse_impossible_ids(_endpoint: str | None, values: dict | None) -> None:
    """An ``<int:…>`` URL value no id column can hold names no object: 404, before the query
    overflows (a converter with a ``max`` would turn it into a misleading 405)."""
    if values and any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in values.values()):
        abort(404)


def register_error_handlers(app: Flask) -> None:
    app.url_value_preprocessor(refuse_impossible_ids)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return _render_error(error.status, error.message, error.code, error.fields)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render_error(
            400,
            _l("The form expired or was not sent from this site. Reload the page and try again."),
            "csrf_failed",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_outage(getattr(error, "original_exception", None)):
            # Raised outside a view (an after_request hook), so Flask wrapped it as a 500.
            return _outage()
        status = error.code or 500
        response = _render_error(status)
        retry_after = error.get_response().headers.get("Retry-After") if status == 429 else None
        if retry_after:
            response.headers["Retry-After"] = retry_after
        return response

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        from sqlalchemy.exc import DataError

        if is_outage(error):
            # Answered (503 + Retry-After), not a bug: one line each, no traceback, so that an
            # outage does not bury the real errors; /healthz and the metrics say what is down.
            log.warning("%s %s: dependency unavailable (%s)", request.method, request.path,
                        type(error).__name__)  # fmt: skip
            return _outage()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(error, DataError | OverflowError):
            # A value no column can hold (a number past BIGINT, a NUL byte…) that no validator
            # caught: the input is at fault, and nothing was committed.
            return _render_error(422, _l("A value is out of range or not allowed."))
        return _render_error(500)


def _outage() -> Response:
    """503 + Retry-After, drawn as to a visitor at once: the service that failed is likely
    the one the signed-in layout needs."""
    _show_as_visitor()
    return _render_error(503)
