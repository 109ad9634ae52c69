"""Domain errors raised by services, and the HTML/JSON error handlers."""

from __future__ import annotations

import logging

from flask import Flask, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from app.db_types import MAX_ID

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


def _render_error(status: int, message: str | None = None, code: str | None = None, fields=None):
    default_code, default_message = HTTP_MESSAGES.get(status, ("error", "Error"))
    message = message or str(default_message)
    if wants_json():
        return json_error(status, code or default_code, message, fields)
    try:
        return render_template("errors/error.html", status=status, message=message), status
    except Exception:  # e.g. the database is down and the layout cannot load the user
        log.exception("error page could not render; sending the plain one")
        return f"<!doctype html><title>{status}</title><h1>{escape(message)}</h1>", status


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
            _("The form expired or was not sent from this site. Reload the page and try again."),
            "csrf_failed",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        message = None
        if status == 429:
            message = str(HTTP_MESSAGES[429][1])
        response = _render_error(status, message)
        if status == 429 and error.get_response().headers.get("Retry-After"):
            body, code = response
            return body, code, {"Retry-After": error.get_response().headers["Retry-After"]}
        return response

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        from sqlalchemy.exc import DataError, OperationalError

        log.exception("unhandled error on %s %s", request.method, request.path)
        if isinstance(error, DataError | OverflowError):
            # A value no column can hold (a number past BIGINT, a NUL byte…) that no validator
            # caught: the input is at fault, and nothing was committed.
            return _render_error(422, _("A value is out of range or not allowed."))
        if isinstance(error, OperationalError):
            body, status = _render_error(503)
            return body, status, {"Retry-After": "5"}
        return _render_error(500)
