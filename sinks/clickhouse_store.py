"""Storing one batch of consumed records in ClickHouse without letting a bad row block the sink.

A transient failure (server down, timeout, overloaded) is retried in place with backoff: the
batch stays unacked, which holds the sink (backpressure) and loses nothing. A data failure (a
value ClickHouse cannot take) is permanent: the batch is bisected until the offending records are
alone, the good ones are written and each bad one is rejected with the reason (dead-lettered with
stage "clickhouse"; see `DeadLetters`). Writes are idempotent, so a half-written batch redelivered
after a crash adds nothing twice under FINAL."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception, wait_exponential

from schemas import registry
from streams.dlq_limit import DeadLetterLimit
from streams.gc_pause import gc_paused
from streams.stage import Consumed, now_ms
from warehouse.failures import failure_kind

log = logging.getLogger(__name__)
STAGE = "clickhouse"


@dataclass(frozen=True)
class Pending:
    """A consumed message waiting to be stored: its bytes (for a dead letter) and its record."""
    message: Consumed
    record: dict | None  # None: it did not decode


class Rejected(Exception):
    """ClickHouse will never take these rows (or did not say why, several times over)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def record_identity(record: dict | None) -> tuple[str | None, str | None]:
    """(call_id, member_id) of any record the sink stores, for the dead letter."""
    record = record or {}
    ctx = record.get("context") or {}
    return (ctx.get("call_id") or record.get("call_id"),
            ctx.get("member_id") or record.get("member_id"))


Reject = Callable[[Pending, BaseException], Awaitable[None]]
RunBlocking = Callable[[Callable[[list[dict]], Any], list[dict]], Awaitable[Any]]


class BatchStore:
    """`write` (blocking, run through `run_blocking` on the thread that owns the client) stores a
    list of records; `reject` takes each record that can never be stored."""

    def __init__(self, name: str, write: Callable[[list[dict]], Any], run_blocking: RunBlocking,
                 reject: Reject, *, on_stored: Callable[[int], None] = lambda n: None,
                 min_backoff_s: float = 0.5, max_backoff_s: float = 30.0, unknown_attempts: int = 5) -> None:
        self.name, self.write, self.run_blocking, self.reject = name, write, run_blocking, reject
        self.on_stored = on_stored  # told each write's size as it lands (the flood limit's successes)
        self.min_backoff_s, self.max_backoff_s = min_backoff_s, max_backoff_s
        self.unknown_attempts = unknown_attempts

    async def store(self, batch: list[Pending]) -> None:
        for pending in batch:
            if pending.record is None:
                await self.reject(pending, registry.SchemaError("undecodable record"))
        await self._store([p for p in batch if p.record is not None])

    async def _store(self, batch: list[Pending]) -> None:
        if not batch:
            return
        try:
            await self._write_retrying([p.record for p in batch])
            self.on_stored(len(batch))
        except Rejected as rejected:
            if len(batch) == 1:
                await self.reject(batch[0], rejected.cause)
                return
            middle = len(batch) // 2
            log.info("clickhouse %s: %d records refused (%s): bisecting", self.name, len(batch),
                     type(rejected.cause).__name__)
            await self._store(batch[:middle])
            await self._store(batch[middle:])

    async def _write_retrying(self, records: list[dict]) -> None:
        unknown = 0

        def retry_it(exc: BaseException) -> bool:
            nonlocal unknown
            kind = failure_kind(exc)
            unknown += kind == "unknown"
            return kind == "transient" or (kind == "unknown" and unknown < self.unknown_attempts)

        try:
            async for attempt in AsyncRetrying(
                    retry=retry_if_exception(retry_it), reraise=True,
                    wait=wait_exponential(min=self.min_backoff_s, max=self.max_backoff_s),
                    before_sleep=before_sleep_log(log, logging.WARNING)):
                with attempt:
                    await self.run_blocking(gc_paused(self.write), records)
        except Exception as exc:  # noqa: BLE001 - retry_it let through only what can never succeed
            raise Rejected(exc) from exc


class DeadLetters:
    """Rejected records -> the dead-letter topic (stage "clickhouse", the reason), counted against
    the flood limit. The dead letters themselves are stored by this sink: one that cannot be
    stored is logged and dropped (`dropped` counts them), never dead-lettered again (a loop)."""

    def __init__(self, send: Callable[[bytes | None, bytes], Awaitable[None]], flood: DeadLetterLimit) -> None:
        self.send, self.flood = send, flood
        self.sent = 0
        self.dropped = 0

    async def dead_letter(self, pending: Pending, exc: BaseException) -> None:
        self.flood.dead_lettered()  # raises instead when this one would be a flood
        call_id, member_id = record_identity(pending.record)
        message = pending.message  # the sink's topics hold no raw personal data: bytes kept as they are
        letter = {"source_topic": message.topic, "key": message.key, "value": message.value, "stage": STAGE,
                  "error_type": type(exc).__name__, "reason": (str(exc) or type(exc).__name__)[:500],
                  "attempts": message.attempt, "call_id": call_id, "member_id": member_id, "failed_at": now_ms()}
        log.warning("clickhouse: dead-lettered a %s record call=%s portal=%s: %s",
                    pending.message.topic, call_id, member_id, letter["reason"])
        await self.send(pending.message.key, registry.encode("aica.DeadLetter", letter))
        self.sent += 1

    async def drop(self, pending: Pending, exc: BaseException) -> None:
        self.dropped += 1
        call_id, member_id = record_identity(pending.record)
        log.error("clickhouse: dropped a dead letter that cannot be stored (%d so far) call=%s "
                  "portal=%s: %s: %s", self.dropped, call_id, member_id, type(exc).__name__, str(exc)[:300])
