"""Manual acking. Faust acks an event in a `finally` when the loop body exits, even when it was
cancelled mid-processing (worker shutdown): the offset is then committed and the event lost.
Stages therefore switch auto-acks off and ack only after the work is done."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import faust

log = logging.getLogger(__name__)


def manual_acks(stream: faust.StreamT) -> faust.StreamT:
    stream.enable_acks = False
    return stream


class AckingBatcher:
    """Collects events; writes them with `flush_fn` when `max_n` are waiting or `within_s` has
    passed, and acks them only after the write returned. Used by the ClickHouse sink."""

    def __init__(self, stream: faust.StreamT, flush_fn: Callable[[Sequence[Any]], Awaitable[None]],
                 max_n: int, within_s: float) -> None:
        self.stream, self.flush_fn = stream, flush_fn
        self.max_n, self.within_s = max_n, within_s
        self._events: list[Any] = []
        self._lock = asyncio.Lock()
        self._main: asyncio.Task | None = None
        self._failure: BaseException | None = None

    async def add(self, event: Any) -> None:
        self._events.append(event)
        if len(self._events) >= self.max_n:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            if not self._events:
                return
            batch, self._events = self._events, []
            try:
                await self.flush_fn(batch)
            except BaseException:
                self._events = batch + self._events  # unacked: redelivered if we die now
                raise
            for event in batch:
                await self.stream.ack(event)

    async def flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.within_s)
            try:
                await self.flush()
            except Exception as exc:  # noqa: BLE001 - raised from run(), not lost in this task
                self._failure = exc
                if self._main is not None:
                    self._main.cancel()
                return

    async def run(self) -> None:
        manual_acks(self.stream)
        self._main = asyncio.current_task()
        ticker = asyncio.create_task(self.flush_periodically())
        try:
            async for event in self.stream.events():
                await self.add(event)
        except asyncio.CancelledError:
            if self._failure is not None:  # a timed flush failed: the batch is unacked, stop here
                raise self._failure from None
            raise
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
