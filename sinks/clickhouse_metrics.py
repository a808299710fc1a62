"""The ClickHouse sink: scored calls, dead letters, call statuses, redacted transcripts and
received events, each topic batched into its tables (warehouse.writer). A batch is acked only once
stored: a ClickHouse outage is retried in place (backpressure), never skipped; rows ClickHouse can
never take are isolated and dead-lettered (sinks.clickhouse_store), under the flood limit."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from typing import Any

import faust
from clickhouse_connect.driver.client import Client

from schemas import registry
from sinks.clickhouse_store import STAGE, BatchStore, DeadLetters, Pending, RunBlocking
from streams.batching import AckingBatcher
from streams.dlq_limit import DeadLetterFlood, DeadLetterLimit
from streams.metrics import SHREDDED
from streams.sealing import RecordCodec, Shredded, shared_codec
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import consumed_from
from streams.topics import Topic
from warehouse.rows import status_row_from_call_status, status_row_from_dead_letter
from warehouse.writer import ClickHouseWriter, write_events, write_new_scores, write_statuses, write_transcripts

log = logging.getLogger(__name__)


def record_portal(record: Mapping[str, Any]) -> str | None:
    return record.get("member_id") or (record.get("context") or {}).get("member_id")


SPEC = StageSpec("clickhouse", "sinks.clickhouse_metrics", {
    Topic.SCORED: "aica.CallScore", Topic.RESCORED: "aica.CallScore", Topic.DEADLETTER: "aica.DeadLetter",
    Topic.CALL_STATUS: "aica.CallStatus", Topic.REDACTED: "aica.RedactedTranscript",
    Topic.EVENTS: "aica.CrmWebhookEvent"})


def batch_flush(app: faust.App, settings: Settings, record_name: str, write: Callable[[list[dict]], Any],
                run_blocking: RunBlocking, send_dead_letter: Callable[[bytes | None, bytes], Awaitable[None]],
                wanted: Callable[[dict], bool], codec: RecordCodec | None = None,
                ) -> Callable[[list[Any]], Awaitable[None]]:
    """What one topic's batcher does with a batch of consumed events: decode, drop the unwanted,
    store the rest (sinks.clickhouse_store), under this topic's flood limit, which stops the worker."""
    flood = DeadLetterLimit.from_settings(f"{STAGE}:{record_name}", settings)
    letters = DeadLetters(send_dead_letter, flood)
    # A dead letter that cannot be stored is dropped: dead-lettering it again would loop.
    reject = letters.drop if record_name == "aica.DeadLetter" else letters.dead_letter
    store = BatchStore(record_name, write, run_blocking, reject, on_stored=flood.succeeded)
    codec = codec or shared_codec(settings)

    def pending(event: Any) -> Pending | None:
        message = consumed_from(event)
        try:
            record = codec.decode(message.topic, record_name, message.value)
        except Shredded:  # its portal's key is gone (clean uninstall): so are its rows
            SHREDDED.labels(STAGE).inc()
            return None
        except registry.SchemaError:
            return Pending(message, None)  # dead-lettered as undecodable by the store
        return Pending(message, record) if wanted(record) else None

    async def flush(events: list[Any]) -> None:
        try:
            flood.check()
            await store.store([p for p in map(pending, events) if p is not None])
        except DeadLetterFlood as flood_exc:
            await app.crash(flood_exc)  # stop the worker; this batch stays unacked
            raise
    return flush


def register(app: faust.App, settings: Settings, client: Client, executor: Executor,
             portals: Any = None) -> None:
    """Batches of scored calls and dead letters, acked only once stored: a ClickHouse outage is
    retried in place (backpressure), never skipped; rows it refuses are dead-lettered. Records of an uninstalled portal (calls still
    in flight when its data was purged) are dropped, so a purge stays a purge."""
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    loop_run = lambda fn, *a: asyncio.get_running_loop().run_in_executor(executor, fn, *a)  # noqa: E731

    def wanted(record: dict) -> bool:
        if record.get("event") == "ONAPPUNINSTALL":
            return False
        portal = portals.get(record_portal(record) or "") if portals is not None else None
        return portal is None or portal.status != "uninstalled"

    async def send_dead_letter(key: bytes | None, value: bytes) -> None:
        fut = await app.topic(settings.topic(Topic.DEADLETTER)).send(key=key, value=value)
        await fut  # the broker's ack, before the batch with the rejected row is acked

    def write_dead_letters(letters: list[dict]) -> None:
        writer.write_dead_letters(letters)
        write_statuses(client, map(status_row_from_dead_letter, letters))

    def write_call_statuses(records: list[dict]) -> None:
        write_statuses(client, map(status_row_from_call_status, records))

    def batcher(stream, fn, record_name: str, size: int = settings.clickhouse_batch_size) -> AckingBatcher:
        flush = batch_flush(app, settings, record_name, fn, loop_run, send_dead_letter, wanted)
        return AckingBatcher(stream, flush, size, settings.clickhouse_batch_within_s)

    def write_scores(scores: list[dict]) -> None:
        write_new_scores(client, writer, scores)

    @app.agent(app.topic(settings.topic(Topic.SCORED)), name="clickhouse-calls")
    async def store_scores(stream) -> None:
        await batcher(stream, write_scores, "aica.CallScore", settings.clickhouse_scores_batch_size).run()

    @app.agent(app.topic(settings.topic(Topic.RESCORED)), name="clickhouse-rescored")
    async def store_rescored(stream) -> None:  # aica rescore: new scorecard versions beside the old
        await batcher(stream, write_scores, "aica.CallScore", settings.clickhouse_scores_batch_size).run()

    @app.agent(app.topic(settings.topic(Topic.DEADLETTER)), name="clickhouse-dead-letters")
    async def store_dead_letters(stream) -> None:
        await batcher(stream, write_dead_letters, "aica.DeadLetter").run()

    # Dashboard tables (warehouse.read_model): statuses, redacted transcripts, received events.
    @app.agent(app.topic(settings.topic(Topic.CALL_STATUS)), name="clickhouse-call-status")
    async def store_call_statuses(stream) -> None:
        await batcher(stream, write_call_statuses, "aica.CallStatus").run()

    @app.agent(app.topic(settings.topic(Topic.REDACTED)), name="clickhouse-transcripts")
    async def store_transcripts(stream) -> None:  # sealed (streams.sealing): keys loaded first
        await asyncio.to_thread(lambda: shared_codec(settings).keys)
        await batcher(stream, lambda rs: write_transcripts(client, rs), "aica.RedactedTranscript").run()

    @app.agent(app.topic(settings.topic(Topic.EVENTS)), name="clickhouse-events")
    async def store_events(stream) -> None:
        await batcher(stream, lambda es: write_events(client, es), "aica.CrmWebhookEvent").run()
