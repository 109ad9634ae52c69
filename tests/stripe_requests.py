"""Stripe's request parameters, read from the installed `stripe` package: every v1 service method
(`RefundService.create` …) names its HTTP method, its path template and its params TypedDict
(`RefundCreateParams`), so `POST /v1/refunds` maps to the parameters Stripe accepts there.

A request is checked as the emulator received it, form-decoded: scalars are strings
("100", "true"), arrays are lists, hashes are dicts. Unknown parameters, missing required ones,
values of the wrong type and values outside an enum are problems."""

from __future__ import annotations

import ast
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, get_args, get_origin

import stripe
from stripe._stripe_object import UntypedStripeObject
from typing_extensions import is_typeddict

from tests.stripe_shapes import NoneType, _is_union, enum_values, fields_of, module_namespace

INTEGER = re.compile(r"-?\d+")


class Endpoint(NamedTuple):
    method: str
    template: str
    pattern: re.Pattern[str]
    params: type
    returns: str | None  # the `object` it answers with: "refund", "list" …
    items: str | None  # for a list, its items' `object`


@cache
def endpoints() -> tuple[Endpoint, ...]:
    """Every (method, path) of Stripe's v1 API that the SDK's services call."""
    root = Path(stripe.__file__).parent
    found: dict[tuple[str, str], Endpoint] = {}
    for path in sorted(root.rglob("_*_service.py")):
        if "v2" in path.relative_to(root).parts:
            continue
        module = ".".join(("stripe", *path.relative_to(root).with_suffix("").parts))
        for endpoint in _service_endpoints(module, ast.parse(path.read_text())):
            found.setdefault((endpoint.method, endpoint.template), endpoint)
    return tuple(found.values())


def _service_endpoints(module: str, tree: ast.Module) -> list[Endpoint]:
    result = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        params = next((a for a in function.args.args if a.arg == "params"), None)
        call = next((c for c in ast.walk(function) if _is_request(c)), None)
        if params is None or call is None:
            continue
        method, template = _method_and_path(call)
        type_name = _quoted_name(params.annotation)
        if template is None or type_name is None:
            continue
        params_type = module_namespace(module).get(type_name)
        if params_type is None:
            continue
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)))
        returns, items = _answer(module, _quoted_name(function.returns) or "")
        result.append(Endpoint(method, template, pattern, params_type, returns, items))
    return result


def _answer(module: str, annotation: str) -> tuple[str | None, str | None]:
    """("refund", None) for "Refund"; ("list", "refund") for "ListObject[Refund]"."""
    listed = re.fullmatch(r"ListObject\[(\w+)\]", annotation)
    found = module_namespace(module).get(listed.group(1) if listed else annotation)
    kind = getattr(found, "OBJECT_NAME", None)
    return ("list", kind) if listed else (kind, None)


def _is_request(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "_request"
        and len(node.args) >= 2
    )


def _method_and_path(call: Any) -> tuple[str, str | None]:
    method = call.args[0].value.upper() if isinstance(call.args[0], ast.Constant) else ""
    path = call.args[1]
    if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute):
        path = path.func.value  # "/v1/refunds/{refund}".format(...)
    template = path.value if isinstance(path, ast.Constant) else None
    return method, template if isinstance(template, str) else None


def _quoted_name(annotation: ast.expr | None) -> str | None:
    """'RefundCreateParams' from `Optional["RefundCreateParams"]` or `"Refund"`."""
    text = ast.unparse(annotation) if annotation is not None else ""
    found = re.search(r"['\"]([\w\[\]]+)['\"]", text)
    return found.group(1) if found else None


def endpoint_for(method: str, path: str) -> Endpoint | None:
    for endpoint in endpoints():
        if endpoint.method == method.upper() and endpoint.pattern.fullmatch(path):
            return endpoint
    return None


def validate_request(method: str, path: str, params: dict[str, Any]) -> list[str]:
    """Problems of one request against the params TypedDict of its endpoint."""
    endpoint = endpoint_for(method, path)
    if endpoint is None:
        return [f"{method} {path}: Stripe's API has no such endpoint"]
    return [f"{method} {path} {problem}" for problem in check_params(params, endpoint.params)]


def returned_object(method: str, path: str) -> tuple[str | None, str | None]:
    """The `object` the endpoint answers with and, for a list, its items' ("list", "refund")."""
    endpoint = endpoint_for(method, path)
    return (endpoint.returns, endpoint.items) if endpoint else (None, None)


def check_params(value: Any, hint: Any, where: str = "") -> list[str]:
    """Problems of a decoded parameter value; `where` is its name ("line_items[0][quantity]")."""
    if hint is Any:
        return []
    if is_typeddict(hint):
        return _typeddict(value, hint, where)
    allowed = enum_values(hint)
    if allowed is not None:
        allowed = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in allowed)
        return [] if value in allowed else [f"{where}: {value!r} is not one of {list(allowed)}"]
    if _is_union(hint):
        members = [arg for arg in get_args(hint) if arg is not NoneType]
        attempts = [check_params(value, member, where) for member in members]
        return [] if any(not a for a in attempts) else min(attempts, key=len)
    origin = get_origin(hint) or hint
    if origin in (str, int, float, bool, Decimal):
        return (
            []
            if _scalar_ok(value, origin)
            else [f"{where}: {value!r} is not a valid {origin.__name__}"]
        )
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {value!r}"[:160]]
        (item,) = get_args(hint) or (Any,)
        return [p for i, v in enumerate(value) for p in check_params(v, item, f"{where}[{i}]")]
    if origin in (dict, UntypedStripeObject) or str(origin).endswith("Mapping"):
        if not isinstance(value, dict):
            return [f"{where}: expected a hash, got {value!r}"[:160]]
        item = get_args(hint)[-1] if get_args(hint) else Any
        return [p for k, v in value.items() for p in check_params(v, item, f"{where}[{k}]")]
    return [f"{where}: the validator cannot check the parameter type {hint!r}"]


def _typeddict(value: Any, hint: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a hash ({hint.__name__}), got {value!r}"[:160]]
    declared = fields_of(hint)
    problems = [
        f"{_name(where, key)}: unknown parameter (not in Stripe's {hint.__name__})"
        for key in value
        if key not in declared
    ]
    for key in sorted(getattr(hint, "__required_keys__", ())):
        if key in declared and key not in value:
            problems.append(f"{_name(where, key)}: required by Stripe's {hint.__name__}, missing")
    for key, item in value.items():
        if key in declared:
            problems += check_params(item, declared[key], _name(where, key))
    return problems


def _name(where: str, key: str) -> str:
    return f"{where}[{key}]" if where else key


def _scalar_ok(value: Any, kind: type) -> bool:
    if kind is str:
        return isinstance(value, str)
    if kind is bool:
        return value in ("true", "false", True, False)
    if kind is int:
        return isinstance(value, int) or (isinstance(value, str) and bool(INTEGER.fullmatch(value)))
    try:
        Decimal(str(value))
    except InvalidOperation:
        return False
    return not isinstance(value, dict | list)
