"""bench.varied_calls: new calibrate calls for every round of the pipeline bench, never report ones."""
from __future__ import annotations

import pytest

from bench.qa_eval.calls import load_calls
from bench.varied_calls import calls_per_round, mixed


def test_every_round_gets_its_own_calibrate_calls_in_the_demo_mix():
    calibrate = {c.id for c in load_calls() if c.split == "calibrate"}
    rounds = calls_per_round(8, 3)
    ids = [s.id for r in rounds for s in r]
    assert [len(r) for r in rounds] == [8, 8, 8] and len(set(ids)) == 24
    assert set(ids) <= calibrate
    assert all(sum(s.language == "ru" for s in r) == 2 for r in rounds)
    assert {s.line for r in rounds for s in r} == {"74951234567", "74957654321"}


def test_every_fourth_is_russian_while_both_last():
    assert mixed(list("abcdefg"), [1, 2]) == ["a", "b", "c", 1, "d", "e", "f", 2, "g"]
    assert mixed(["a"], [1, 2, 3]) == ["a", 1, 2, 3]


def test_more_calls_than_the_calibrate_half_holds_are_refused():
    held = sum(c.split == "calibrate" for c in load_calls())  # the set grows; the limit is what it holds
    with pytest.raises(ValueError, match="calibrate calls"):
        calls_per_round(held // 3 + 1, 3)
    assert len(calls_per_round(held // 3, 3)[-1]) == held // 3
