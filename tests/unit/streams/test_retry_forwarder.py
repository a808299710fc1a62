from datetime import UTC, datetime

from agents.retry import seconds_until_due


def test_due_in_the_future_waits_the_difference():
    assert seconds_until_due({"due_at": 10_500}, now=10_000) == 0.5


def test_overdue_is_forwarded_at_once():
    assert seconds_until_due({"due_at": 9_000}, now=10_000) == 0.0


def test_decoded_datetimes_are_understood():
    due = datetime.fromtimestamp(20, UTC)
    assert seconds_until_due({"due_at": due}, now=18_000) == 2.0
