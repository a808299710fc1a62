"""List-method semantics shared by crm.*.list, *.userfield.list and voximplant.statistic.get:
filter operators, order, select and pages of 50 (§6.2)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

PAGE_SIZE = 50
# Longest first so ">=" is not read as ">".
OPERATORS = (">=", "<=", "!=", "!%", "><", ">", "<", "!", "=", "%")


def split_operator(key: str) -> tuple[str, str]:
    for op in OPERATORS:
        if key.startswith(op):
            return op, key[len(op):]
    return "=", key


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers, ISO dates as instants, anything else as lower-case text."""
    for convert in (float, datetime.fromisoformat):
        try:
            return convert(str(a)), convert(str(b))
        except (TypeError, ValueError):
            continue
    return str(a).lower(), str(b).lower()


def _test(op: str, actual: Any, expected: Any) -> bool:
    if op in ("=", "!", "!="):
        options = expected if isinstance(expected, list) else [expected]
        hit = any(_equal(actual, option) for option in options)
        return hit if op == "=" else not hit
    if op in ("%", "!%"):
        hit = str(expected).lower() in str(actual or "").lower()
        return hit if op == "%" else not hit
    if actual is None:
        return False
    if op == "><":
        low, high = expected
        return _test(">=", actual, low) and _test("<=", actual, high)
    a, b = _comparable(actual, expected)
    try:
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    except TypeError:  # a date against a number: never matches
        return False


def _equal(actual: Any, expected: Any) -> bool:
    if actual is None or expected is None:
        return actual is None and expected in (None, "")
    a, b = _comparable(actual, expected)
    return a == b


def matches(row: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    for key, expected in filters.items():
        op, name = split_operator(str(key))
        if not _test(op, row.get(name.upper()), expected):
            return False
    return True


def ordered(rows: Iterable[dict[str, Any]], order: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    result = list(rows)
    for name, direction in reversed(list((order or {"ID": "ASC"}).items())):
        result.sort(key=lambda row: _sort_key(row.get(str(name).upper())),
                    reverse=str(direction).upper() == "DESC")
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    try:
        return 0, float(str(value))
    except (TypeError, ValueError):
        return 1, str(value or "")


def selected(row: Mapping[str, Any], select: list[str] | None, explicit_only: set[str]) -> dict[str, Any]:
    """`*` (or no select) gives the plain fields; `explicit_only` fields (e.g. COMMUNICATIONS,
    FILES) come back only when named, as on a real portal."""
    names = {str(s).upper() for s in (select or ["*"])}
    return {k: v for k, v in row.items()
            if k in names or ("*" in names and k not in explicit_only)}


def page(rows: list[dict[str, Any]], start: Any) -> dict[str, Any]:
    """`{"result", "next"?, "total"?}`; start=-1 skips the count (big scans, §3.6)."""
    try:
        offset = int(str(start)) if start not in (None, "") else 0
    except ValueError:
        offset = 0
    if offset < 0:
        return {"result": rows[:PAGE_SIZE]}
    body: dict[str, Any] = {"result": rows[offset:offset + PAGE_SIZE], "total": len(rows)}
    if offset + PAGE_SIZE < len(rows):
        body["next"] = offset + PAGE_SIZE
    return body
