"""Accepting a record: broker ack, or the durable spool when the broker cannot ack in time.

Bitrix24 never retries a delivery, so losing an event is worse than delaying it: a record the
broker did not ack is fsync'd to the spool and the request still gets its 200. A background loop
pings the broker and drains the spool once it is back."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal

from gateway.publisher import Pingable, Publisher
from gateway.spool import Spool, SpooledRecord, drain_spool
from streams.metrics import SPOOL_BYTES

log = logging.getLogger(__name__)

Outcome = Literal["acked", "spooled"]


@dataclass
class BrokerHealth:
    reachable: bool | None = None  # None: not known yet (no ping, no publish so far)


class DurablePublisher:
    def __init__(self, publisher: Publisher, spool: Spool, ack_timeout_s: float) -> None:
        self.publisher = publisher
        self.spool = spool
        self.ack_timeout_s = ack_timeout_s
        self.health = BrokerHealth()

    async def publish_in_time(self, topic: str, key: bytes, value: bytes) -> None:
        """Any Publisher, bounded: one that hangs must not hold a request (or the drain) forever."""
        await asyncio.wait_for(self.publisher.publish(topic, key, value), self.ack_timeout_s)

    async def deliver(self, topic: str, key: bytes, value: bytes) -> Outcome:
        # While the broker is known to be down, spool at once: waiting out the ack timeout on
        # every request would only slow the portal's queue server down.
        if self.health.reachable is not False:
            try:
                await self.publish_in_time(topic, key, value)
            except Exception as exc:  # any failure: keep the record, never drop it
                log.warning("publish failed (%s), spooling", type(exc).__name__)
            else:
                self.health.reachable = True
                return "acked"
        self.health.reachable = False
        await asyncio.to_thread(self.spool.append, SpooledRecord(topic, key, value))
        SPOOL_BYTES.inc(len(value))  # about: the next maintenance round sets the exact size
        return "spooled"

    async def check_and_drain(self, ping_timeout_s: float) -> int:
        """One maintenance round: refresh reachability, drain the spool if possible."""
        if isinstance(self.publisher, Pingable):
            self.health.reachable = await self.publisher.ping(ping_timeout_s)
        if self.health.reachable is False and not isinstance(self.publisher, Pingable):
            self.health.reachable = None  # without a ping, a drain attempt is the probe
        backlog = await asyncio.to_thread(self.spool.backlog_bytes)
        SPOOL_BYTES.set(backlog)
        if self.health.reachable is False or not backlog:
            return 0
        try:
            sent = await drain_spool(self.spool, self.publish_in_time)
        except Exception as exc:
            self.health.reachable = False
            log.warning("spool drain interrupted (%s)", type(exc).__name__)
            return 0
        self.health.reachable = True
        SPOOL_BYTES.set(await asyncio.to_thread(self.spool.backlog_bytes))
        log.info("spool drained: %d records published", sent)
        return sent

    async def run_maintenance(self, interval_s: float, ping_timeout_s: float) -> None:
        while True:
            try:
                await self.check_and_drain(ping_timeout_s)
            except Exception:  # e.g. a disk error: keep the loop alive, readiness shows the backlog
                log.exception("spool maintenance failed")
            await asyncio.sleep(interval_s)

    async def readiness(self) -> tuple[bool, dict[str, object]]:
        """(ready, body) for /readyz: not ready while the broker is down or records are spooled."""
        backlog = await asyncio.to_thread(self.spool.backlog_bytes)
        problems = []
        if self.health.reachable is False:
            problems.append("broker_unreachable")
        elif self.health.reachable is None and isinstance(self.publisher, Pingable):
            problems.append("broker_not_checked_yet")
        if backlog:
            problems.append("spool_not_empty")
        body: dict[str, object] = {"status": "ready" if not problems else "not_ready",
                                   "broker_reachable": self.health.reachable, "spool_bytes": backlog}
        if problems:
            body["problems"] = problems
        return not problems, body
