"""AckingBatcher: a batch is acked only after its write returned, and a failed timed flush stops
the batcher (raised from run) instead of dying unseen in its ticker task."""
from __future__ import annotations

import asyncio

import pytest

from streams.batching import AckingBatcher


class Stream:
    def __init__(self, events, then_wait: bool = True) -> None:
        self._events, self.then_wait, self.acked, self.enable_acks = events, then_wait, [], True

    async def events(self):
        for event in self._events:
            yield event
        if self.then_wait:
            await asyncio.sleep(30)  # a live stream waits for more

    async def ack(self, event):
        self.acked.append(event)


async def test_a_full_batch_is_written_then_acked():
    written = []

    async def write(batch):
        written.append(list(batch))

    stream = Stream([1, 2, 3, 4], then_wait=False)
    await AckingBatcher(stream, write, max_n=2, within_s=10).run()
    assert written == [[1, 2], [3, 4]] and stream.acked == [1, 2, 3, 4]


async def test_a_failed_timed_flush_is_raised_from_run_with_nothing_acked():
    async def write(batch):
        raise RuntimeError("dead letter could not be published")

    stream = Stream([1, 2])  # then no more events for a long while
    batcher = AckingBatcher(stream, write, max_n=10, within_s=0.05)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RuntimeError, match="could not be published"):
        await asyncio.wait_for(batcher.run(), 10)
    assert asyncio.get_running_loop().time() - started < 5  # at once, not when the stream moves
    assert stream.acked == []
