"""REST-calling work is partitioned by portal, and processed in one lane per portal.

One process owns all REST traffic of a portal, so the in-process owner budget of `bitrix.limits`
(a leaky bucket per portal, `rest_burst` deep, draining `rest_rate_per_s`) holds across all workers;
every other process calling the portal (gateway, a dashboard elsewhere) has a side budget
(`OwnedPortals` tells the two apart):

- `b24.events.v1` (ingest, reconciliation) and `calls.scored.v1` (CRM sink) are keyed by
  member_id and have the same partition count. Every producer hashes keys with murmur2: Faust's
  aiokafka producer by default, the gateway by setting librdkafka's `murmur2_random`; so a
  portal's messages sit on the same partition number p of both topics (`partition_for`).
- Faust's `PartitionAssignor._get_copartitioned_groups` puts the topics that the same set of
  workers subscribe to and that have the same partition count into one group, and
  `CopartitionedAssignor` gives partition p of every topic of a group to one worker. When every
  worker runs both REST-calling stages (ingest and crm, as ALL_STAGES does), partition p of both
  topics is on one worker. Retried messages come back to their source topic with the same key, so
  they return to that worker too. (tests/unit/agents/test_reconcile.py runs the assignor.)
- Where the guarantee ends: (1) splitting ingest and crm onto different processes
  (AICA_WORKER_STAGES) breaks it; `warn_if_rest_stages_split` says so at start. (2) In a
  rebalance the old owner may finish an in-flight request while the new owner starts: at most
  one request per lane overlaps. (3) Other applications behind the same egress IP share the
  portal's bucket (docs/bitrix24-api.md §6.1); their QUERY_LIMIT_EXCEEDED answers are backed off in
  the client and then retried on the delay tiers (`portal_patience`).

Why lanes: a Faust agent handles its stream one event at a time, so one slow, failing or
rate-limited portal would hold every other portal's messages on the worker. `PortalLanes` keeps
one lane per portal (its messages in order, one at a time, which also keeps its limiter and the
ingested-marker dedup exact) and runs the lanes of different portals concurrently. Acks come
out of order across lanes; Faust commits a partition only up to its lowest un-acked offset, so a
crash redelivers and never skips. Two valves keep a bad portal's lane short (a long lane would
also hold up a rebalance, which waits for every started message to be acked):
- a lane with `lane_max_waiting` messages already waiting defers new ones to the first retry
  tier (no attempt counted) instead of buffering without bound;
- after a portal-side failure (5xx, timeout, rate limit) the lane is "open" for the first tier's
  delay: its next messages go straight to the last retry tier without a request (no attempt
  counted); the first message after that probes the portal again.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable

import faust
from aiokafka.partitioner import murmur2
from faust.types import TP

from streams.batching import manual_acks
from streams.dlq_limit import DeadLetterFlood
from streams.settings import Settings
from streams.stage import Consumed, Handler, Retry, StageRunner, UpstreamUnavailable, consumed_from
from streams.topics import Topic, retry_tier_topic

log = logging.getLogger(__name__)
REST_STAGES = ("ingest", "crm")
PORTAL_SIDE = UpstreamUnavailable  # bitrix.errors.RateLimited and PortalUnavailable


def partition_for(key: bytes, partitions: int) -> int:
    """The partition murmur2 producers (aiokafka, Java, librdkafka murmur2_random) pick."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class OwnedPortals:
    """Whether this worker owns a portal's REST traffic now (bitrix.limits gives the owner the
    portal's main budget): the partition its member_id hashes to, on b24.events.v1 or
    calls.scored.v1, is assigned to this worker. Asked per request: a rebalance moves portals."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app, self.partitions = app, settings.topic_partitions
        self.topics = (settings.topic(Topic.EVENTS), settings.topic(Topic.SCORED))

    def __call__(self, member_id: str) -> bool:
        partition = partition_for(member_id.encode(), self.partitions)
        assigned = self.app.assignor.assigned_actives()
        return any(TP(topic, partition) in assigned for topic in self.topics)


def warn_if_rest_stages_split(stages: Iterable[str]) -> bool:
    """True (and a warning) when this worker runs only some of the REST-calling stages."""
    present = [s for s in REST_STAGES if s in set(stages)]
    if present and len(present) != len(REST_STAGES):
        log.warning("stages %s call portals' REST APIs but run without %s: two processes may then "
                    "share a portal's rate limit", present, sorted(set(REST_STAGES) - set(present)))
        return True
    return False


def portal_patience(handle: Handler, attempts: int) -> Handler:
    """A portal that rate-limits us or is down is retried on the tiers `attempts` times, not the
    default few: the write waits out the limit instead of being dead-lettered."""
    async def patient(record: dict, message: Consumed) -> list:
        try:
            return await handle(record, message)
        except PORTAL_SIDE as exc:
            raise Retry(f"portal unavailable: {exc}", max_attempts=attempts) from exc
    return patient


class PortalLanes:
    """Runs a stage's handler per portal (the message key): in order within a portal, portals
    concurrently. Only a failure to publish escapes (it stops the agent, as in StageRunner.run)."""

    def __init__(self, runner: StageRunner, handle: Handler, *, max_waiting: int,
                 max_buffered: int) -> None:
        self.runner, self.handle, self.max_waiting = runner, handle, max_waiting
        self._room = asyncio.Semaphore(max_buffered)
        self._lanes: dict[bytes, deque] = {}
        self._tasks: set[asyncio.Task] = set()
        self._failure: BaseException | None = None
        self._main: asyncio.Task | None = None
        self._failing_until: dict[bytes, float] = {}  # portal -> monotonic time the lane reopens

    def waiting(self, key: bytes) -> int:
        return len(self._lanes.get(key, ()))

    async def run(self, stream: faust.StreamT) -> None:
        manual_acks(stream)
        self._main = asyncio.current_task()
        try:
            async for event in stream.events():
                await self.submit(consumed_from(event), event, stream.ack)
        except asyncio.CancelledError:
            if self._failure is not None:
                if isinstance(self._failure, DeadLetterFlood):
                    await self.runner.app.crash(self._failure)  # stop the worker, as StageRunner.run does
                raise self._failure from None
            raise
        finally:
            await self.stop()

    async def submit(self, message: Consumed, event: object, ack) -> None:
        key = message.key or b""
        if self.waiting(key) >= self.max_waiting:
            await self.defer(message, f"portal lane full ({self.max_waiting} waiting)")
            await ack(event)
            return
        await self._room.acquire()
        lane = self._lanes.get(key)  # looked up after the wait: the lane may have drained
        if lane is None:
            lane = self._lanes[key] = deque()
            task = asyncio.create_task(self._drain(key, lane, ack), name=f"lane-{self.runner.stage}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        lane.append((message, event))

    async def _drain(self, key: bytes, lane: deque, ack) -> None:
        try:
            while lane:
                message, event = lane[0]
                if self._failing_until.get(key, 0.0) > time.monotonic():
                    await self.defer(message, "portal failing: deferred without a request", tier=-1)
                else:
                    await self.runner.process(message, self._watched)
                lane.popleft()
                self._room.release()
                await ack(event)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # publishing failed: stop the agent before it commits
            self._failure = exc
            if self._main is not None:
                self._main.cancel()
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _watched(self, record: dict, message: Consumed) -> list:
        """The handler; a portal-side failure opens the portal's lane for the first tier's delay."""
        try:
            return await self.handle(record, message)
        except Exception as exc:
            if isinstance(exc, PORTAL_SIDE) or isinstance(exc.__cause__, PORTAL_SIDE):
                delay = self.runner.settings.retry_delays_s[0]
                self._failing_until[message.key or b""] = time.monotonic() + delay
            raise

    async def defer(self, message: Consumed, reason: str, tier: int = 0) -> None:
        """Park on a delay tier (the first, or -1: the last) with the attempt count unchanged."""
        settings = self.runner.settings
        tier = tier % len(settings.retry_delays_s)
        await self.runner.hold(retry_tier_topic(settings, tier), message.key, message, reason,
                               attempt=message.attempt, due_in_s=settings.retry_delays_s[tier])

    async def stop(self) -> None:
        """Cancel the lanes: their un-acked messages are redelivered to the next owner."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def run_in_lanes(runner: StageRunner, handle: Handler) -> PortalLanes:
    s = runner.settings
    return PortalLanes(runner, portal_patience(handle, s.portal_retry_attempts),
                       max_waiting=s.lane_max_waiting, max_buffered=s.lanes_max_buffered)
