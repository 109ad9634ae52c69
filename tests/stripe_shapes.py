"""Stripe's published object shapes, read from the installed `stripe` package, never from the
emulator: each resource class (stripe.Charge, stripe.Refund …) and its nested StripeObject
classes are generated from Stripe's OpenAPI spec, so their annotations are the schema.

Rules, from how the generator writes the spec into Python:
- `Optional[X]`: the field may be null or absent; any other annotation: required, never null.
- `Literal[...]` is an enum. `Union[Literal[...], str]` is Stripe's "open enum" (the SDK keeps
  `str` so that new values do not break old clients); the emulator must still only send values
  Stripe lists, so the literal values are enforced.
- `ExpandableField[X]` is an id string or the expanded X; `UntypedStripeObject[str]` and
  `Dict[str, X]` are maps (metadata); `ListObject[X]` is a list page.
- A field the class does not declare is an error (Stripe's object does not have it).
Every problem is a string "<where>: <what>", e.g. "refund re_1.status: 'ok' is not one of …".
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import types
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints

from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._request_options import RequestOptions
from stripe._stripe_object import StripeObject, UntypedStripeObject
from typing_extensions import is_typeddict

NoneType = type(None)
_REQUEST_OPTIONS = frozenset(RequestOptions.__annotations__)
LIST_FIELDS = ("object", "data", "has_more", "url")  # stripe.ListObject, plus its `object`
# Stripe documents exactly these error types (docs.stripe.com/api/errors); the SDK types
# `error.type` as plain `str`.
ERROR_TYPES = ("api_error", "card_error", "idempotency_error", "invalid_request_error")


@cache
def module_namespace(module_name: str) -> dict[str, Any]:
    """The module's globals plus the names it imports only under TYPE_CHECKING, so that the
    forward references in its annotations ("BalanceTransaction") resolve."""
    module = importlib.import_module(module_name)
    namespace = dict(vars(module))
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.asname or alias.name not in namespace:
                    source = importlib.import_module(node.module)
                    namespace[alias.asname or alias.name] = getattr(source, alias.name)
    return namespace


@cache
def fields_of(cls: type) -> dict[str, Any]:
    """Public fields of a generated StripeObject class or params TypedDict, forward references
    resolved. Generated classes declare every field on themselves; a params TypedDict also
    carries RequestOptions (api_key, idempotency_key …), which are headers, not fields."""
    headers = _REQUEST_OPTIONS if is_typeddict(cls) else frozenset()
    own = {
        name: hint
        for name, hint in vars(cls).get("__annotations__", {}).items()
        if not name.startswith("_") and name not in headers
    }
    holder = types.SimpleNamespace(__annotations__=own)
    hints = get_type_hints(holder, globalns=module_namespace(cls.__module__))
    return {name: hint for name, hint in hints.items() if get_origin(hint) is not ClassVar}


def object_class(name: Any) -> type | None:
    """The SDK's class for an `object` value ("charge" → stripe.Charge)."""
    if not isinstance(name, str) or name not in OBJECT_CLASSES or name == "list":
        return None
    module, class_name = OBJECT_CLASSES[name]
    return getattr(importlib.import_module(module), class_name)


def is_optional(hint: Any) -> bool:
    return _is_union(hint) and NoneType in get_args(hint)


def enum_values(hint: Any) -> tuple[Any, ...] | None:
    """The allowed values of a `Literal[...]` or an open `Union[Literal[...], str]`."""
    if get_origin(hint) is Literal:
        return get_args(hint)
    if _is_union(hint):
        members = [arg for arg in get_args(hint) if arg is not NoneType]
        literals = [arg for arg in members if get_origin(arg) is Literal]
        if literals and all(arg is str or get_origin(arg) is Literal for arg in members):
            return tuple(value for arg in literals for value in get_args(arg))
    return None


# Fields the SDK types as plain `str` although Stripe lists their values: the values are read
# from the SDK's own docstring for the field ("This can be `pending`, `succeeded` …").
DOCSTRING_ENUMS = {
    "refund": ("status", "failure_reason"),
    "balance_transaction": ("status",),
    "dispute": ("reason",),
    "payout": ("method", "status", "source_type"),
    "transfer": ("source_type",),
}


@cache
def documented_enums(cls: type) -> dict[str, tuple[str, ...]]:
    """{field: allowed values} for the fields of `cls` whose values Stripe lists in prose."""
    kind = getattr(cls, "OBJECT_NAME", None)
    enums = {name: _docstring_values(cls, name) for name in DOCSTRING_ENUMS.get(kind, ())}
    if kind == "balance_transaction":
        enums["reporting_category"] = _reporting_categories()
    return enums


def _docstring_values(cls: type, field: str) -> tuple[str, ...]:
    body = ast.parse(inspect.getsource(cls)).body[0]
    assert isinstance(body, ast.ClassDef)
    for node, after in zip(body.body, body.body[1:], strict=False):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == field and isinstance(after, ast.Expr):
            values = re.findall(r"`([a-z_]+)`", str(getattr(after.value, "value", "")))
            if values:
                return tuple(dict.fromkeys(values))
    raise LookupError(f"the SDK documents no values for {cls.__name__}.{field}")


def _reporting_categories() -> tuple[str, ...]:
    """The SDK types balance_transaction.reporting_category as `str`; its Reporting API
    parameters list every category Stripe uses (docs.stripe.com/reports/reporting-categories)."""
    from stripe.params.reporting._report_run_create_params import (
        ReportRunCreateParamsParameters,
    )

    values = enum_values(fields_of(ReportRunCreateParamsParameters)["reporting_category"])
    assert values, "the SDK lists no reporting categories"
    return tuple(values)


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


# -- objects (responses and events) --------------------------------------------------------------


def validate_object(value: Any, where: str = "") -> list[str]:
    """Problems of one API object, chosen by its `object` field (lists item by item)."""
    if not isinstance(value, dict):
        return [f"{where or 'body'}: expected a Stripe object, got {_kind(value)}"]
    kind = value.get("object")
    where = where or f"{kind} {value.get('id', '')}".strip()
    if kind == "list":
        return _list_page(value, where, None)
    cls = object_class(kind)
    if cls is None:
        return [f"{where}.object: {kind!r} is not an object type Stripe has"]
    problems = check(value, cls, where)
    if kind == "event":
        problems += _event_data(value, where)
    return problems


def validate_error(body: Any, where: str = "error body") -> list[str]:
    """Stripe's error body: {"error": ErrorObject} and nothing else."""
    if not isinstance(body, dict) or set(body) != {"error"}:
        return [f"{where}: expected exactly {{'error': {{...}}}}, got {_kind(body)}"]
    from stripe._error_object import ErrorObject

    problems = check(body["error"], ErrorObject, f"{where}.error")
    kind = body["error"].get("type") if isinstance(body["error"], dict) else None
    if kind not in ERROR_TYPES:
        problems.append(f"{where}.error.type: {kind!r} is not one of {ERROR_TYPES}")
    return problems


def check(value: Any, hint: Any, where: str) -> list[str]:
    """Problems of `value` against the annotation `hint`."""
    if hint is Any:
        return []
    if value is None:
        return [] if is_optional(hint) else [f"{where}: null, but Stripe's field is not nullable"]
    allowed = enum_values(hint)
    if allowed is not None:
        return [] if value in allowed else [f"{where}: {value!r} is not one of {list(allowed)}"]
    if _is_union(hint):
        return _union(value, [arg for arg in get_args(hint) if arg is not NoneType], where)
    origin = get_origin(hint) or hint
    if origin in (str, int, float, bool, Decimal):
        return _scalar(value, origin, where)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {_kind(value)}"]
        (item,) = get_args(hint) or (Any,)
        return [p for i, v in enumerate(value) for p in check(v, item, f"{where}[{i}]")]
    if origin is dict or origin is UntypedStripeObject:
        if not isinstance(value, dict):
            return [f"{where}: expected a map, got {_kind(value)}"]
        item = get_args(hint)[-1] if get_args(hint) else Any
        return [p for k, v in value.items() for p in check(v, item, f"{where}.{k}")]
    if isinstance(origin, type) and issubclass(origin, ListObject):
        (item,) = get_args(hint) or (Any,)
        return _list_page(value, where, item)
    if isinstance(origin, type) and issubclass(origin, StripeObject):
        return _fields(value, origin, where)
    return [f"{where}: the validator cannot check the type {hint!r}"]


def _scalar(value: Any, kind: type, where: str) -> list[str]:
    if kind in (float, Decimal):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    return [] if ok else [f"{where}: expected {kind.__name__}, got {_kind(value)}"]


def _union(value: Any, members: list[Any], where: str) -> list[str]:
    """Passes if any member fits; an expanded object is checked as the class its `object` names."""
    if isinstance(value, dict) and "object" in value:
        named = object_class(value["object"])
        for member in members:
            if isinstance(member, type) and named is not None and issubclass(named, member):
                return check(value, member, where)
    attempts = [check(value, member, where) for member in members]
    if any(not problems for problems in attempts):
        return []
    return min(attempts, key=len)


def _fields(value: Any, cls: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a {cls.__qualname__} object, got {_kind(value)}"]
    declared = fields_of(cls)
    problems = [
        f"{where}.{name}: Stripe's {cls.__qualname__} has no such field"
        for name in value
        if name not in declared
    ]
    enums = documented_enums(cls)
    for name, hint in declared.items():
        if name in value:
            problems += check(value[name], hint, f"{where}.{name}")
            if name in enums and value[name] is not None and value[name] not in enums[name]:
                problems.append(
                    f"{where}.{name}: {value[name]!r} is not one of {list(enums[name])}"
                )
        elif not is_optional(hint):
            problems.append(f"{where}.{name}: required by Stripe's {cls.__qualname__}, missing")
    return problems


def _list_page(value: Any, where: str, item: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a list object, got {_kind(value)}"]
    problems = [
        f"{where}.{k}: a Stripe list has no such field" for k in value if k not in LIST_FIELDS
    ]
    problems += [
        f"{where}.{k}: required by a Stripe list, missing" for k in LIST_FIELDS if k not in value
    ]
    problems += check(value.get("has_more", False), bool, f"{where}.has_more")
    problems += check(value.get("url", ""), str, f"{where}.url")
    if value.get("object", "list") != "list":
        problems.append(f"{where}.object: expected 'list', got {value.get('object')!r}")
    data = value.get("data", [])
    if not isinstance(data, list):
        return [*problems, f"{where}.data: expected a list, got {_kind(data)}"]
    for i, entry in enumerate(data):
        problems += (
            validate_object(entry, f"{where}.data[{i}]")
            if item in (None, Any)
            else check(entry, item, f"{where}.data[{i}]")
        )
    return problems


def _event_data(event: dict[str, Any], where: str) -> list[str]:
    """The object inside an event is a whole Stripe object; previous_attributes holds only
    fields that object has (checked loosely: partial nested hashes are allowed)."""
    data = event.get("data")
    if not isinstance(data, dict):
        return []
    problems = validate_object(data.get("object"), f"{where}.data.object")
    previous = data.get("previous_attributes")
    cls = object_class((data.get("object") or {}).get("object"))
    if isinstance(previous, dict) and cls is not None:
        problems += _partial(previous, cls, f"{where}.data.previous_attributes")
    return problems


def _partial(value: dict[str, Any], cls: type, where: str) -> list[str]:
    declared = fields_of(cls)
    problems: list[str] = []
    for name, old in value.items():
        if name not in declared:
            problems.append(f"{where}.{name}: Stripe's {cls.__qualname__} has no such field")
            continue
        nested = _object_type(declared[name])
        if isinstance(old, dict) and nested is not None:
            problems += _partial(old, nested, f"{where}.{name}")
        elif not isinstance(old, dict):
            problems += check(old, declared[name], f"{where}.{name}")
    return problems


def _object_type(hint: Any) -> type | None:
    members = get_args(hint) if _is_union(hint) else (hint,)
    for member in members:
        plain = isinstance(member, type) and issubclass(member, StripeObject)
        if plain and not issubclass(member, UntypedStripeObject | ListObject):
            return member
    return None


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]
