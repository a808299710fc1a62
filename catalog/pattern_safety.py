"""Refuse scorecard patterns that can backtrack catastrophically, before they are rolled out.

A scorecard is written by a QA lead, and its patterns run on every turn of every call: one
pattern like `(\\w+\\s?)+$` takes minutes on a long turn and stalls the analyze stage. The two
shapes behind almost all such blow-ups are refused with a hint (the same rule as safe-regex and
similar linters; a static check cannot be complete, so agents.analyze.transcript also matches with
a time limit):

- a repeated part that contains an unbounded repeat able to eat the start of the next repetition
  (`(a+)+`, `(\\w+\\s?)*`, `(x*){2,}`): the text can be split between the two quantifiers in
  exponentially many ways. `\\w+( \\w+)*` is fine: each repetition starts with a space that
  `\\w+` cannot take;
- a repeated alternation whose branches can start with the same character (`(a|ab)*`,
  `(\\w|\\d)+`): each repetition can take either branch.

A repeat of at most one (`?`, `{0,1}`) and possessive or atomic parts are safe and allowed.
"""
from __future__ import annotations

import re
import string

try:  # the stdlib's own parser (3.11+); its parse tree is what the matcher runs
    from re import _constants as sre, _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

# Characters a branch's first character is tested against: enough to tell letters, digits,
# spaces and punctuation of the languages we support apart.
SAMPLE = string.printable + "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЯЁ’«»—…"
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT}
_CATEGORIES = {
    sre.CATEGORY_DIGIT: str.isdigit, sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
    sre.CATEGORY_SPACE: str.isspace, sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


def backtracking_risk(pattern: str) -> str | None:
    """Why `pattern` can backtrack catastrophically, or None. Raises re.error if it is invalid."""
    parsed = sre_parse.parse(pattern, re.IGNORECASE)
    return _walk(list(parsed), starts=None)


def _walk(items: list, starts: set[str] | None) -> str | None:
    """`starts`: what the enclosing repeated part can start with (None outside any repeat)."""
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            if starts is not None and high == sre.MAXREPEAT and starts & _first_chars(list(body)):
                return ("nested quantifier: an unbounded repeat inside a repeated part can also take "
                        "the start of its next repetition")
            if high > 1 and _overlapping_branches(list(body)):
                return "repeated alternation whose branches can start with the same character"
            inner = _first_chars(list(body)) if high > 1 else None
            if reason := _walk(list(body), inner if starts is None else starts | (inner or set())):
                return reason
        elif op is sre.SUBPATTERN:
            if reason := _walk(list(av[-1]), starts):
                return reason
        elif op is sre.BRANCH:
            for branch in av[1]:
                if reason := _walk(list(branch), starts):
                    return reason
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if reason := _walk(list(av[1]), None):
                return reason
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never give back what they took: nothing to walk.
    return None


def _overlapping_branches(body: list) -> bool:
    while len(body) == 1 and body[0][0] is sre.SUBPATTERN:
        body = list(body[0][1][-1])
    if len(body) != 1 or body[0][0] is not sre.BRANCH:
        return False
    firsts = [_first_chars(list(branch)) for branch in body[0][1][1]]
    return any(firsts[i] & firsts[j] for i in range(len(firsts)) for j in range(i + 1, len(firsts)))


def _first_chars(items: list) -> set[str]:
    """Sample characters the branch can start with (all of them when unsure or when it can be empty)."""
    if not items:
        return set(SAMPLE)
    op, av = items[0]
    if op is sre.LITERAL:
        return {chr(av).lower(), chr(av).upper()}
    if op is sre.NOT_LITERAL:
        return {c for c in SAMPLE if c.lower() != chr(av).lower()}
    if op is sre.IN:
        return {c for c in SAMPLE if _in_set(av, c)}
    if op is sre.SUBPATTERN:
        return _first_chars(list(av[-1]) + items[1:])
    if op is sre.BRANCH:
        return set().union(*(_first_chars(list(b) + items[1:]) for b in av[1]))
    if op in _REPEATS and av[0] >= 1:
        return _first_chars(list(av[2]))
    if op is sre.AT:  # anchors take no character
        return _first_chars(items[1:])
    return set(SAMPLE)


def _in_set(members: list, char: str) -> bool:
    negate, hit = False, False
    for op, av in members:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            hit |= char.lower() == chr(av).lower()
        elif op is sre.RANGE:
            hit |= any(av[0] <= ord(c) <= av[1] for c in {char.lower(), char.upper()})
        elif op is sre.CATEGORY:
            hit |= _CATEGORIES.get(av, lambda c: True)(char)
        else:
            hit = True
    return hit != negate
