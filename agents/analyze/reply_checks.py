"""Is an LLM reply usable? Invalid JSON, a reply that loops, or evidence the transcript does not
contain means the model cannot be trusted for this call: the caller falls back to the offline
engine and records the reason (a short machine-readable string) in the call's versions.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable

# A unit of 4+ characters said 4+ times in a row ("the call the call the call the call"):
# small local models under a grammar tend to loop like this until max_tokens. The unit is at most
# 200 characters: unbounded, every start tried every length (quadratic, seconds on one long string).
REPEATED_RUN = re.compile(r"(.{4,200}?)(?:\s*\1){3,}", re.DOTALL)
MAX_SAME_ITEM = 3  # the same list item (improvement, quote) this often is a loop, not advice
MAX_LIST_ITEMS = 40  # no scorecard needs more improvements or quotes per criterion


class UnusableReply(ValueError):
    """The reply must not be used; `reason` says why, e.g. "loop: hit max_tokens"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def squash(text: str) -> str:
    return " ".join(text.split())


def strings_in(value: object) -> Iterable[str]:
    """Every string value in a parsed JSON document (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def check_finish(finish_reason: str | None) -> None:
    """A reply cut off by max_tokens (the usual end of a loop) is unusable even if it parses."""
    if finish_reason == "length":
        raise UnusableReply("loop: hit max_tokens")


def lists_in(value: object) -> Iterable[list]:
    if isinstance(value, list):
        yield value
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        yield from lists_in(item)


def check_repetition(reply: object, transcript_texts: Iterable[str] = ()) -> None:
    """Loops inside a string, or a list that keeps growing with the same item. (Different
    criteria may share a rationale such as "Not discussed.": that is not a loop; nor is a quote of
    a caller who said "no, no, no, no".)"""
    lines = [squash(t) for t in transcript_texts]
    for text in map(squash, strings_in(reply)):
        if (match := REPEATED_RUN.search(text)) and not any(text in line for line in lines):
            raise UnusableReply(f"loop: repeated text {match.group(1)[:20]!r}")
    for items in lists_in(reply):
        if len(items) > MAX_LIST_ITEMS:
            raise UnusableReply(f"loop: a list of {len(items)} items")
        counts: dict[str, int] = {}
        for item in items:
            key = squash(item if isinstance(item, str) else json.dumps(item, sort_keys=True))
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > MAX_SAME_ITEM:
                raise UnusableReply(f"loop: the same item {counts[key]} times")


def check_quotes_verbatim(reply: object, transcript_texts: Iterable[str]) -> None:
    """Every evidence quote must be in some transcript line (whitespace-insensitive)."""
    lines = [squash(t) for t in transcript_texts]
    criteria = reply.get("criteria") if isinstance(reply, dict) else None
    for criterion_id, entry in (criteria.items() if isinstance(criteria, dict) else ()):
        evidence = entry.get("evidence") if isinstance(entry, dict) else None
        for item in evidence if isinstance(evidence, list) else ():
            quote = squash(str(item.get("quote", ""))) if isinstance(item, dict) else ""
            if quote and not any(quote in line for line in lines):
                raise UnusableReply(f"quote not in transcript: {criterion_id}")
