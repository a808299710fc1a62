"""Python's automatic garbage collection paused while one batch is written. A batch write builds
tens of thousands of short-lived rows that all stay alive until it ends; each full collection the
allocations trigger meanwhile walks them and the whole heap again, for nothing (the rows hold no
cycles and are freed by reference counting when the write returns). Measured on the ClickHouse
sink's scored calls: about half its CPU at batches of 5,000 (docs/benchmarks.md)."""
from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` with automatic collection off while it runs, then on again if it was on at the start
    (a pause inside another, on another thread, leaves the outer one to turn it back on)."""
    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return paused
