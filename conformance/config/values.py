"""Turning a setting's raw value (a flag, a variable's text, a TOML value) into its type, strictly, with one-line
errors that name the value and where it came from."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..contract.redaction import display_url
from ..errors import ConfigError
from .settings import NUMBER_RULES, SECRET_FIELDS

_BOOLS = ("online", "insecure", "strict", "no_credentials", "restore", "proxy_from_env")


_INTS = ("max_examples", "workers", "concurrency", "max_failures", "max_response_bytes", "seed")


_FLOATS = ("timeout", "rate_limit", "sla_ms")


def _coerce(name: str, value: Any, origin: str) -> Any:
    try:
        if name == "appointment_ids":
            return tuple(parse_ids(value))
        if name == "unused_ids":
            return _parse_range(value)
        if name in _BOOLS:
            return _to_bool(value)
        if name in _INTS:
            return _to_int(value)
        if name in _FLOATS:
            return _to_float(value)
        if name == "headers":
            return _headers(value)
        if name == "report_dir":
            return Path(_to_text(value))
        return _to_text(value)
    except (TypeError, ValueError) as exc:
        why = f"expected {NUMBER_RULES[name][1]}" if name in NUMBER_RULES else str(exc)  # the range, at once
        raise ConfigError(f"{name} {_show(name, value)} ({origin}): {why}") from None


def _headers(value: Any) -> tuple[str, ...]:
    """``Name: value`` lines (a list, or one per line), ``${VAR}`` in a value taken from the environment."""
    items = value if isinstance(value, (list, tuple)) else str(value).splitlines()
    found = []
    for item in items:
        text = _to_text(item).strip()
        if not text:
            continue
        missing = [v for v in re.findall(r"\$\{(\w+)\}", text) if v not in os.environ]
        if missing:
            raise ValueError(f"the environment variable {missing[0]} it uses is not set")
        found.append(re.sub(r"\$\{(\w+)\}", lambda m: os.environ[m.group(1)], text))
    return tuple(found)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError("expected a whole number")
    return int(text)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("expected a number, not true/false")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number") from None


def _to_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return str(value)


def _show(name: str, value: Any) -> str:
    """``value`` for a message: secrets never, URLs without user info or query, floats as written."""
    if name in SECRET_FIELDS:
        return "(secret, not shown)"
    if name == "headers":
        return "(values not shown)"
    if name == "proxy" and isinstance(value, str):
        return repr(display_url(value))
    if isinstance(value, (list, tuple)) and name in ("appointment_ids", "unused_ids"):
        return repr(",".join(map(str, value)))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and name in ("endpoint", "hypothesis_database"):
        return repr(display_url(value))
    return repr(value) if isinstance(value, str) else str(value)


def parse_ids(value: Any) -> list[int]:
    """``[1, 2]``, ``"1,2"``, ``["1,2", "3"]`` → ``[1, 2, 3]``."""
    items = value if isinstance(value, (list, tuple)) else [value]
    ids: list[int] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            if not re.fullmatch(r"[0-9]+", part):
                raise ValueError(f"appointment id {part!r} is not a positive integer")
            ids.append(int(part))
    return ids


def _parse_range(value: Any) -> tuple[int, int]:
    expected = "expected LOW-HIGH in whole numbers, e.g. 2000000000-2100000000"
    if isinstance(value, str):
        lo, sep, hi = value.partition("-") if "-" in value.strip("-") else value.partition(":")
        if not sep:
            raise ValueError(expected)
        value = [lo, hi]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(expected)
    try:
        lo, hi = (_to_int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(expected) from None
    return lo, hi
