"""The building blocks of the API's declared schemas (marshmallow, read by flask-smorest).

A request schema validates what a client sends (unknown fields, wrong types, out-of-range
numbers and over-long strings are a 422 naming the field); a response schema serialises what
the API answers; the OpenAPI document is generated from both.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.money import MAX_MINOR_AMOUNT

MAX_PER_PAGE = 100
LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "cookies", "view_args"}


class StrictSchema(Schema):
    """A request schema: a field it does not declare is refused, never silently dropped."""

    class Meta:
        unknown = RAISE


class StrictInteger(fields.Integer):
    """A whole JSON number: a float, a string or a boolean is refused (no guessing)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """``true`` or ``false``: ``1``, ``"yes"`` and the like are refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class OneOf(fields.Raw):
    """One of several schemas, left as sent for the endpoint to load with the right one: a
    batch keeps its good events and rejects each bad one with its own reasons, so the
    events are checked one by one, not as a whole. Documented as ``oneOf`` the schemas
    (``one_of_property`` in app/api/openapi.py)."""

    def __init__(self, *schemas: type[Schema], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schemas = schemas


def amount(*, minimum: int = 1, **kwargs: Any) -> fields.Integer:
    """An amount in the currency's minor unit (cents; yen for JPY): a positive whole number
    (``minimum=0`` where 0 means something: a commission-only price)."""
    kwargs.setdefault("metadata", {}).setdefault(
        "description", "Integer in the currency's minor unit (10000 = $100.00; ¥10000 in JPY)"
    )
    return StrictInteger(validate=validate.Range(min=minimum, max=MAX_MINOR_AMOUNT), **kwargs)


def text(max_length: int, *, min_length: int = 0, **kwargs: Any) -> fields.String:
    """A string the API stores as sent: too long is a 422, never cut."""
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class PageArgs(StrictSchema):
    """``?page=&per_page=`` (query strings carry digits, so these integers are parsed)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class CursorPageArgs(PageArgs):
    """``?page=&per_page=`` or ``?cursor=&per_page=`` for lists that grow without bound."""

    cursor = text(
        400,
        metadata={"description": "next_cursor of the previous page: the rows after it, read "
                  "without OFFSET or COUNT (page, total and pages are then null)"},
    )  # fmt: skip


class PageSchema(Schema):
    """The envelope every list answers with (app.pagination.page_json)."""

    page = fields.Integer(required=True, allow_none=True)  # null when read by cursor
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, allow_none=True)
    pages = fields.Integer(required=True, allow_none=True)
    next_cursor = fields.String(
        allow_none=True,
        metadata={"description": "Lists that page by cursor: pass as ?cursor= for the rows "
                  "after this page; null on the last page (docs/api.md)"},
    )  # fmt: skip


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A page envelope whose ``items`` are ``item_schema``."""
    return type(
        name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)}
    )


class ErrorDetail(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class ErrorSchema(Schema):
    """``{"error": {"code", "message", "fields"}}`` (app/errors.py)."""

    error = fields.Nested(ErrorDetail, required=True)


def flat_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' ``{"json": {"offers": {0: {"price": [...]}}}}`` → ``{"offers.0.price": [...]}``:
    the field names the envelope's ``fields`` carries."""
    if isinstance(messages, list):
        return {prefix or "body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            name = prefix or "body"
        flat.update(flat_messages(value, name))
    return flat


def validation_fields(error: ValidationError | dict) -> dict[str, list[str]]:
    """The per-field messages of a webargs error, without its location level."""
    messages = error.messages if isinstance(error, ValidationError) else error
    if isinstance(messages, dict) and set(messages) <= LOCATIONS:
        flat: dict[str, list[str]] = {}
        for location_messages in messages.values():
            flat.update(flat_messages(location_messages))
        return flat
    return flat_messages(messages)
