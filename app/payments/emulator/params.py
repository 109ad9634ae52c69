"""Decode Stripe's form encoding (`a[b][0][c]=v`) and validate parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .currencies import CHARGEABLE, amount_step
from .currencies import ZERO_DECIMAL as ZERO_DECIMAL
from .errors import EmulatorError, invalid_param, missing_param

Params = dict[str, Any]

CURRENCIES = CHARGEABLE
_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def decode_form(pairs: Iterable[tuple[str, str]]) -> Params:
    """Turn flat form pairs into nested dicts; dicts keyed 0..n-1 become lists."""
    root: Params = {}
    for key, value in pairs:
        parts = [m.group(1) or m.group(2) or "" for m in _KEY.finditer(key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part or str(len(node)), {})
            if not isinstance(node, dict):
                raise invalid_param(key, f"Invalid nested parameter: {key}")
        last = parts[-1] if parts else key
        node[last or str(len(node))] = value
    return _listify(root)


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    keys = list(items)
    indexes = sorted(int(k) for k in keys if k.isdecimal())
    if keys and indexes == list(range(len(keys))):
        return [items[str(i)] for i in range(len(keys))]
    return items


def check_known(params: Params, allowed: Iterable[str], prefix: str = "") -> None:
    """Refuse unknown parameters, as Stripe does."""
    allowed_set = set(allowed) | ({"expand"} if not prefix else set())
    for key in params:
        if key not in allowed_set:
            name = f"{prefix}[{key}]" if prefix else key
            raise EmulatorError(
                f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def required(params: Params, name: str, param: str | None = None) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise missing_param(param or name)
    return value


def string(params: Params, name: str, param: str | None = None) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_param(param or name, f"Invalid string: {value!r}")
    return value


def integer(value: Any, param: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    raise invalid_param(param, f"Invalid integer: {value}", code="parameter_invalid_integer")


def amount(
    value: Any, param: str = "amount", allow_zero: bool = False, currency: str | None = None
) -> int:
    """A positive integer; with ``currency``, also a multiple of the step Stripe requires
    (three-decimal amounts end in 0; ISK amounts are whole krónur)."""
    number = integer(value, param)
    if number < 0 or (number == 0 and not allow_zero):
        raise invalid_param(
            param, "This value must be greater than or equal to 1.", "parameter_invalid_integer"
        )
    step = amount_step(currency) if currency else 1
    if number % step:
        raise invalid_param(
            param,
            f"Amounts in {currency} must be a multiple of {step}: round {number} to "
            f"{number - number % step} or {number - number % step + step}.",
            "parameter_invalid_integer",
        )
    return number


def boolean(value: Any, param: str) -> bool:
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    raise invalid_param(param, f"Invalid boolean: {value}")


def currency(value: Any, param: str = "currency") -> str:
    if value is None or value == "":
        raise missing_param(param)
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{3}", value):
        raise invalid_param(param, f"Invalid currency: {value}. Use a lowercase ISO code.")
    if value not in CURRENCIES:
        supported = ", ".join(sorted(CURRENCIES))
        raise invalid_param(
            param,
            f"Invalid currency: {value}. Stripe currently supports these currencies: {supported}",
        )
    return value


def metadata(value: Any, current: dict[str, str] | None = None) -> dict[str, str]:
    """Merge metadata like Stripe: an empty string value unsets the key."""
    result = dict(current or {})
    if value in (None, ""):
        return {} if value == "" else result
    if not isinstance(value, dict):
        raise invalid_param("metadata", "Invalid hash")
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_param(f"metadata[{key}]", "Metadata values must be strings.")
        if len(key) > 40 or len(item) > 500:
            raise invalid_param(f"metadata[{key}]", "Metadata key or value too long.")
        if item == "":
            result.pop(key, None)
        else:
            result[key] = item
    if len(result) > 50:
        raise invalid_param("metadata", "Metadata can have at most 50 keys.")
    return result


def choice(params: Params, name: str, options: Iterable[str], default: str | None = None) -> Any:
    value = params.get(name, default)
    if value is not None and value not in set(options):
        raise invalid_param(name, f"Invalid {name}: must be one of {', '.join(options)}")
    return value
