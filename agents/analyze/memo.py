"""Per-sentence work memoised by text: what a sentence (or a turn) gives against a scorecard's
examples or patterns depends only on its text and on them, and scripted lines ("Thank you for
calling <ORG>") recur across calls, so a text seen before costs a dict look-up.

A table per (kind, key), e.g. ("quote", a criterion's rules) or ("nearest", an example set); the
keys are the frozen scorecard's own tuples. Bounded: all tables are emptied together when they
hold MAX_ENTRIES results (they refill at the cost of the work they saved). Without a lock: a
dict's get and set are atomic under the GIL, and two threads computing the same entry store the
same value (the computations are deterministic), so the worst case is work done twice."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
MAX_ENTRIES = 500_000  # ~60 MB at most (a float or a short string per text and table)

_tables: dict[Hashable, dict[str, object]] = {}
_size = 0


def table(kind: str, key: Hashable) -> dict:
    """The memo of (kind, key): text -> result."""
    found = _tables.get((kind, key))
    if found is None:
        found = _tables[(kind, key)] = {}
    return found


def remember(memo: dict, text: str, result: T) -> T:
    """Store a computed result (and keep the tables bounded)."""
    global _size
    if _size >= MAX_ENTRIES:
        forget()
    memo[text] = result
    _size += 1
    return result


def per_text(kind: str, key: Hashable, text: str, compute: Callable[[Hashable, str], T]) -> T:
    """compute(key, text), once per (kind, key, text)."""
    memo = table(kind, key)
    try:
        return memo[text]  # type: ignore[return-value]
    except KeyError:
        return remember(memo, text, compute(key, text))


def forget() -> None:
    """Empty every table (bounded memory; benchmarks start cold)."""
    global _size
    _tables.clear()  # one atomic step; a thread still holding a table fills it until it lets go
    _size = 0


def size() -> int:
    return _size
