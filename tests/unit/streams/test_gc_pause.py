"""gc_paused: automatic collection is off while the wrapped write runs and as it was afterwards."""
from __future__ import annotations

import gc

import pytest

from streams.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collection_restored():
    was_enabled = gc.isenabled()
    yield
    (gc.enable if was_enabled else gc.disable)()


def test_collection_is_off_inside_and_on_again_after():
    gc.enable()
    assert gc_paused(gc.isenabled)() is False
    assert gc.isenabled()


def test_it_is_on_again_after_a_failed_write():
    gc.enable()

    def failing_write() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        gc_paused(failing_write)()
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_turning_it_on_to_the_outer_one():
    gc.enable()
    seen = []
    inner = gc_paused(lambda: seen.append(gc.isenabled()))

    def outer() -> None:
        inner()
        seen.append(gc.isenabled())

    gc_paused(outer)()
    assert seen == [False, False] and gc.isenabled()


def test_collection_switched_off_before_stays_off():
    gc.disable()
    gc_paused(lambda: None)()
    assert not gc.isenabled()
