from __future__ import annotations

from gateway.dedup import TtlDedup


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_new_once_within_the_ttl_and_new_again_after_it():
    clock = FakeClock()
    dedup = TtlDedup(ttl_s=60, clock=clock)
    assert dedup.claim("a") is True
    assert dedup.claim("a") is False
    clock.now += 59
    assert dedup.claim("a") is False
    clock.now += 2
    assert dedup.claim("a") is True


def test_released_claims_can_be_claimed_again():
    dedup = TtlDedup(ttl_s=60)
    dedup.claim("a")
    dedup.release("a")
    assert dedup.claim("a") is True


def test_size_is_bounded_by_forgetting_the_oldest():
    dedup = TtlDedup(ttl_s=60, max_entries=3, clock=FakeClock())
    for key in "abcd":
        dedup.claim(key)
    assert len(dedup) == 3
    assert dedup.claim("a") is True  # evicted, so new again
    assert dedup.claim("d") is False
