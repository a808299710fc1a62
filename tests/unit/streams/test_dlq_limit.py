"""The dead-letter flood limit: a ratio over a sliding window (judged after a minimum) and a run of
consecutive dead letters; once tripped it stays tripped."""
from __future__ import annotations

import pytest

from streams.dlq_limit import DeadLetterFlood, DeadLetterLimit
from streams.settings import Settings


def limit(**overrides) -> DeadLetterLimit:
    values = {"max_ratio": 0.9, "window": 100, "min_outcomes": 50, "max_consecutive": 200} | overrides
    return DeadLetterLimit("score", **values)


def test_consecutive_dead_letters_trip_at_the_limit_and_stay_tripped():
    dlq = limit(max_ratio=0, max_consecutive=5)
    for _ in range(4):
        dlq.dead_lettered()
    with pytest.raises(DeadLetterFlood, match="5 consecutive"):
        dlq.dead_lettered()
    with pytest.raises(DeadLetterFlood, match="stage score stopped"):
        dlq.check()
    with pytest.raises(DeadLetterFlood):
        dlq.succeeded() or dlq.check()  # a success does not un-trip it


def test_a_success_resets_the_consecutive_count():
    dlq = limit(max_ratio=0, max_consecutive=5)
    for _ in range(10):
        for _ in range(4):
            dlq.dead_lettered()
        dlq.succeeded()
    dlq.check()


def test_ratio_is_judged_only_after_the_minimum_and_over_the_window():
    dlq = limit(max_ratio=0.9, window=100, min_outcomes=50, max_consecutive=0)
    for _ in range(49):
        dlq.dead_lettered()  # 100 % failing, but too few to judge
    with pytest.raises(DeadLetterFlood, match="50 of the last 50"):
        dlq.dead_lettered()


def test_old_outcomes_leave_the_window():
    """Since start it would be 6 of 16 (0.375); over the last 10 it is 6 of 10."""
    dlq = limit(max_ratio=0.5, window=10, min_outcomes=10, max_consecutive=0)
    dlq.succeeded(10)
    for _ in range(5):
        dlq.dead_lettered()
    with pytest.raises(DeadLetterFlood, match="6 of the last 10"):
        dlq.dead_lettered()


def test_a_stage_failing_one_in_five_never_trips_the_defaults():
    dlq = DeadLetterLimit.from_settings("analyze", Settings())
    for _ in range(2000):
        dlq.succeeded(4)
        dlq.dead_lettered()
    assert dlq.tripped is None


def test_zero_disables_both_checks():
    dlq = limit(max_ratio=0, max_consecutive=0)
    for _ in range(1000):
        dlq.dead_lettered()
    assert dlq.tripped is None
