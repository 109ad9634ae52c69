"""Wire-format helpers: new objects, list pages with cursors, filters and `expand`."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from .errors import EmulatorError, invalid_param
from .params import Params, check_known, integer
from .state import new_id

Obj = dict[str, Any]
LIST_PARAMS = ("limit", "starting_after", "ending_before")
_RANGE_OPS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


# Stripe's objects of these kinds carry no `livemode` field (their API reference has none).
WITHOUT_LIVEMODE = frozenset({"account", "balance_transaction", "refund", "transfer_reversal"})


def new_object(prefix: str, kind: str, now: int, **fields: Any) -> Obj:
    mode = {} if kind in WITHOUT_LIVEMODE else {"livemode": False}
    return {"id": new_id(prefix), "object": kind, "created": now, **mode, **fields}


def empty_list(url: str) -> Obj:
    return {"object": "list", "data": [], "has_more": False, "url": url}


def page(items: Iterable[Obj], params: Params, url: str) -> Obj:
    """A list page over newest-first `items`, with Stripe's cursor semantics."""
    limit = integer(params.get("limit", 10), "limit")
    if not 1 <= limit <= 100:
        raise invalid_param("limit", "This value must be between 1 and 100.")
    rows = list(items)
    ids = [row["id"] for row in rows]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise EmulatorError("You may only specify one of starting_after and ending_before.")
    if after:
        start = _cursor(ids, after, "starting_after") + 1
        chunk, has_more = rows[start : start + limit], len(rows) > start + limit
    elif before:
        end = _cursor(ids, before, "ending_before")
        chunk, has_more = rows[max(0, end - limit) : end], end - limit > 0
    else:
        chunk, has_more = rows[:limit], len(rows) > limit
    return {"object": "list", "data": chunk, "has_more": has_more, "url": url}


def _cursor(ids: list[str], object_id: Any, param: str) -> int:
    if object_id not in ids:
        raise invalid_param(param, f"No such object: '{object_id}'")
    return ids.index(object_id)


def range_filter(value: Any, param: str) -> Callable[[int], bool]:
    """`created=123` or `created[gte]=...&created[lt]=...` as a predicate."""
    if value is None:
        return lambda _: True
    if not isinstance(value, dict):
        exact = integer(value, param)
        return lambda candidate: candidate == exact
    check_known(value, _RANGE_OPS, prefix=param)
    bounds = [(_RANGE_OPS[op], integer(v, f"{param}[{op}]")) for op, v in value.items()]
    return lambda candidate: all(test(candidate, bound) for test, bound in bounds)


def list_params(params: Params, *filters: str) -> None:
    check_known(params, (*LIST_PARAMS, *filters))


def render(obj: Obj, expand: Any, lookup: Callable[[str], Obj | None]) -> Obj:
    """A deep copy of `obj` with the `expand[]` paths replaced by the objects they name."""
    result = copy.deepcopy(obj)
    paths = expand if isinstance(expand, list) else ([expand] if expand else [])
    for path in paths:
        _expand_path(result, str(path).split("."), lookup)
    return result


def _expand_path(node: Any, parts: list[str], lookup: Callable[[str], Obj | None]) -> None:
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if head == "data" and isinstance(node.get("data"), list):
        for item in node["data"]:
            _expand_path(item, rest, lookup)
        return
    value = node.get(head)
    if isinstance(value, str):
        found = lookup(value)
        if found is None:
            raise invalid_param("expand", f"This property cannot be expanded ({head}).")
        node[head] = value = copy.deepcopy(found)
    elif value is None and head not in node:
        raise invalid_param("expand", f"This property cannot be expanded ({head}).")
    _expand_path(value, rest, lookup)


def stripe_fee(amount: int) -> int:
    """2.9% + 30 minor units, rounded half up, in integers."""
    return (amount * 29 + 500) // 1000 + 30


def matching(
    items: Iterable[Obj], params: Params, equal: tuple[str, ...] = (), ranges: tuple[str, ...] = ()
) -> list[Obj]:
    """Items whose `equal` fields match the params and whose `ranges` fields pass them."""
    tests = [(name, range_filter(params.get(name), name)) for name in ranges]
    wanted = {name: params[name] for name in equal if params.get(name) is not None}
    return [
        item
        for item in items
        if all(item.get(name) == value for name, value in wanted.items())
        and all(test(item[name]) for name, test in tests)
    ]
