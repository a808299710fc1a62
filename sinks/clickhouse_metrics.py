"""Scored calls and dead letters into ClickHouse: connect, map records to rows, write batches,
and the reads the dashboard, the demo and the CRM sink's write ledger need.

Everything here is synchronous (clickhouse-connect); the agent runs it in a single-thread
executor. Reads use FINAL so redelivered or replayed rows count once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from sinks.clickhouse_schema import (
    CALL_COLUMNS,
    CRITERION_COLUMNS,
    DEAD_LETTER_COLUMNS,
    LEDGER_COLUMNS,
    LEDGER_STATUSES,
    quoted_identifier,
    schema_statements,
)
from streams.settings import Settings

if TYPE_CHECKING:
    import faust

# Keys of CallContext.versions that get their own columns (the full map is kept as well).
ASR_VERSION_KEY = "asr"
ANALYZER_VERSION_KEY = "analyzer"

# CrmBinding.entity_type -> the calls column that lists those ids.
BINDING_COLUMNS = {"contact": "contact_ids", "deal": "deal_ids", "lead": "lead_ids", "company": "company_ids"}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def connect(settings: Settings) -> Client:
    """A client on settings.resolved_clickhouse_dsn (chdb:///dir in-process, or http(s)://),
    with settings.clickhouse_database created and selected. Only one process may open a chdb dir."""
    database = settings.clickhouse_database
    # tz_mode="aware": DateTime64 values come back as UTC-aware datetimes, like decoded Avro.
    client = clickhouse_connect.get_client(dsn=settings.resolved_clickhouse_dsn, tz_mode="aware")
    try:
        client.command(f"CREATE DATABASE IF NOT EXISTS {quoted_identifier(database)}")
    except Exception:
        client.close()
        raise
    client.database = database
    return client


def as_utc(value: datetime | int | None) -> datetime | None:
    """Avro timestamp-millis as given to or returned by schemas.registry -> UTC-aware datetime."""
    if value is None:
        return None
    if isinstance(value, int):
        return _EPOCH + timedelta(milliseconds=value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def binding_ids(bindings: Iterable[Mapping[str, Any]]) -> dict[str, list[int]]:
    """CrmBinding list -> {column: sorted unique ids}; unknown entity types are dropped."""
    ids: dict[str, set[int]] = {column: set() for column in BINDING_COLUMNS.values()}
    for binding in bindings:
        column = BINDING_COLUMNS.get(binding["entity_type"])
        if column:
            ids[column].add(int(binding["entity_id"]))
    return {column: sorted(values) for column, values in ids.items()}


def rows_from_score(score: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A decoded aica.CallScore -> (the calls row, one call_criteria row per criterion)."""
    ctx, talk = score["context"], score["talk"]
    versions = dict(ctx.get("versions") or {})
    started_at, scored_at = as_utc(ctx.get("started_at")), as_utc(score["scored_at"])
    key = {"member_id": ctx["member_id"], "call_id": ctx["call_id"], "scorecard": score["scorecard"]}
    call_row = {
        **key,
        "project": ctx["project"], "domain": ctx["domain"], "activity_id": ctx["activity_id"],
        "line": ctx.get("line") or "", "direction": ctx.get("direction") or "unknown",
        "responsible_id": ctx.get("responsible_id"), "started_at": started_at,
        "duration_s": ctx.get("duration_s"), "language": ctx["language"],
        "score": score["score"], "outcome": score["outcome"], "compliance": score["compliance"],
        "summary": score["summary"], "improvements": list(score["improvements"]),
        "agent_talk_s": talk["agent_talk_s"], "client_talk_s": talk["client_talk_s"],
        "silence_s": talk["silence_s"], "segments": talk["segments"],
        **binding_ids(ctx.get("bindings") or []),
        "versions": versions, "asr_model": versions.get(ASR_VERSION_KEY, ""),
        "analyzer": versions.get(ANALYZER_VERSION_KEY, ""), "scored_at": scored_at,
    }
    criteria_rows = [
        {
            **key, "criterion_id": c["id"], "label": c["label"], "weight": c["weight"],
            "critical": c["critical"], "compliance": c["compliance"], "verdict": c["verdict"],
            "points": c["points"], "evidence": [e["quote"] for e in c.get("evidence") or []],
            "project": ctx["project"], "started_at": started_at, "scored_at": scored_at,
            "evidence_segments": [e.get("segment") for e in c.get("evidence") or []],
            "evidence_starts": [e.get("start") for e in c.get("evidence") or []],
        }
        for c in score["criteria"]
    ]
    return call_row, criteria_rows


def rows_from_dead_letter(dead_letter: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded aica.DeadLetter -> its dead_letters row (the payload bytes stay in Kafka)."""
    return {
        "member_id": dead_letter.get("member_id") or "", "call_id": dead_letter.get("call_id") or "",
        "stage": dead_letter["stage"], "source_topic": dead_letter["source_topic"],
        "error_type": dead_letter["error_type"], "reason": dead_letter["reason"],
        "attempts": dead_letter["attempts"], "failed_at": as_utc(dead_letter["failed_at"]),
    }


def _as_lists(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> list[list[Any]]:
    return [[row[column] for column in columns] for row in rows]


class ClickHouseWriter:
    """Batched, idempotent inserts: the same record written twice is one row under FINAL."""

    def __init__(self, client: Client, database: str) -> None:
        self.client = client
        self.database = database

    def ensure_schema(self) -> None:
        self.client.command(f"CREATE DATABASE IF NOT EXISTS {quoted_identifier(self.database)}")
        for statement in schema_statements(self.database):
            self.client.command(statement)

    def _insert(self, table: str, rows: list[list[Any]], columns: tuple[str, ...]) -> None:
        if rows:
            self.client.insert(table, rows, database=self.database, column_names=list(columns))

    def write_scores(self, scores: Iterable[Mapping[str, Any]]) -> int:
        """Insert a batch of decoded CallScores; returns the number of call rows written."""
        call_rows: list[dict[str, Any]] = []
        criteria_rows: list[dict[str, Any]] = []
        for score in scores:
            call_row, criteria = rows_from_score(score)
            call_rows.append(call_row)
            criteria_rows.extend(criteria)
        # Criteria first: a call row visible on the dashboard always has its criteria.
        self._insert("call_criteria", _as_lists(criteria_rows, CRITERION_COLUMNS), CRITERION_COLUMNS)
        self._insert("calls", _as_lists(call_rows, CALL_COLUMNS), CALL_COLUMNS)
        return len(call_rows)

    def write_dead_letters(self, dead_letters: Iterable[Mapping[str, Any]]) -> int:
        rows = [rows_from_dead_letter(dl) for dl in dead_letters]
        self._insert("dead_letters", _as_lists(rows, DEAD_LETTER_COLUMNS), DEAD_LETTER_COLUMNS)
        return len(rows)


def _table(client: Client, name: str, database: str | None) -> str:
    """`db`.`name` for an explicit database, else the client's selected one."""
    database = database or client.database
    return f"{quoted_identifier(database)}.{name}" if database else name


def call_rows(client: Client, member_id: str, *, database: str | None = None) -> list[dict[str, Any]]:
    """One portal's calls (latest version of each call and scorecard), newest first."""
    result = client.query(
        f"SELECT * FROM {_table(client, 'calls', database)} FINAL WHERE member_id = {{member_id:String}}"
        " ORDER BY coalesce(started_at, scored_at) DESC, call_id, scorecard",
        parameters={"member_id": member_id})
    return list(result.named_results())


def dead_letter_rows(client: Client, member_id: str, *, database: str | None = None) -> list[dict[str, Any]]:
    """One portal's dead letters for the delivery status view, newest first."""
    result = client.query(
        f"SELECT * FROM {_table(client, 'dead_letters', database)} FINAL"
        " WHERE member_id = {member_id:String} ORDER BY failed_at DESC",
        parameters={"member_id": member_id})
    return list(result.named_results())


def score_trend(client: Client, member_id: str, entity_type: str, entity_id: int, days: int, *,
                scorecard: str | None = None, until: date | None = None,
                database: str | None = None) -> list[tuple[date, float, int]]:
    """(day, average score, calls) for one CRM entity over the `days` UTC days ending `until`
    (default today). A call is dated by started_at, or scored_at when the start is unknown."""
    column = BINDING_COLUMNS[entity_type]  # KeyError: not a bindable entity type
    until = until or datetime.now(UTC).date()
    scorecard_filter = " AND scorecard = {scorecard:String}" if scorecard else ""
    result = client.query(
        f"SELECT toDate(coalesce(started_at, scored_at)) AS day, avg(score), uniqExact(call_id)"
        f" FROM {_table(client, 'calls', database)} FINAL"
        f" WHERE member_id = {{member_id:String}} AND has({column}, {{entity_id:UInt64}})"
        f" AND day BETWEEN {{since:Date}} AND {{until:Date}}{scorecard_filter}"
        " GROUP BY day ORDER BY day",
        parameters={"member_id": member_id, "entity_id": entity_id, "scorecard": scorecard or "",
                    "since": until - timedelta(days=days - 1), "until": until})
    return [(day, float(avg), int(calls)) for day, avg, calls in result.result_rows]


def ledger_status(client: Client, member_id: str, call_id: str, entity_type: str, entity_id: int,
                  fingerprint: str, *, database: str | None = None) -> str | None:
    """The CRM sink's last recorded status for this exact write, or None if never attempted."""
    result = client.query(
        f"SELECT status FROM {_table(client, 'crm_deliveries', database)} FINAL"
        " WHERE member_id = {member_id:String} AND call_id = {call_id:String}"
        " AND entity_type = {entity_type:String} AND entity_id = {entity_id:UInt64}"
        " AND fingerprint = {fingerprint:String} LIMIT 1",
        parameters={"member_id": member_id, "call_id": call_id, "entity_type": entity_type,
                    "entity_id": entity_id, "fingerprint": fingerprint})
    return result.result_rows[0][0] if result.result_rows else None


def ledger_mark(client: Client, member_id: str, call_id: str, entity_type: str, entity_id: int,
                fingerprint: str, status: str, fields_json: str = "", error: str = "", *,
                updated_at: datetime | None = None, database: str | None = None) -> None:
    """Record the status of one CRM write; the row with the latest updated_at wins."""
    if status not in LEDGER_STATUSES:
        raise ValueError(f"ledger status must be one of {LEDGER_STATUSES}, not {status!r}")
    row = [member_id, call_id, entity_type, entity_id, fingerprint, status, fields_json, error,
           as_utc(updated_at) or datetime.now(UTC)]
    database = database or client.database
    client.insert("crm_deliveries", [row], database=database, column_names=list(LEDGER_COLUMNS))


def stored_score_keys(client: Client, scores: list[Mapping[str, Any]], *,
                      database: str | None = None) -> set[tuple[str, str, str, datetime]]:
    """Which of these exact (portal, call, scorecard, scored_at) rows are already stored, so a
    redelivered batch (crash before the offset commit) inserts nothing twice."""
    if not scores:
        return set()
    keys = [(s["context"]["member_id"], s["context"]["call_id"], s["scorecard"]) for s in scores]
    result = client.query(
        f"SELECT member_id, call_id, scorecard, scored_at FROM {_table(client, 'calls', database)}"
        " WHERE (member_id, call_id, scorecard) IN {keys:Array(Tuple(String, String, String))}",
        parameters={"keys": keys})
    return {(m, c, sc, as_utc(at)) for m, c, sc, at in result.result_rows}


def unstored(client: Client, scores: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    stored = stored_score_keys(client, scores)
    return [s for s in scores
            if (s["context"]["member_id"], s["context"]["call_id"], s["scorecard"], as_utc(s["scored_at"]))
            not in stored]


def write_new_scores(client: Client, writer: ClickHouseWriter, scores: list[Mapping[str, Any]]) -> None:
    """One batch of scored calls: the rows not stored yet, and a "done" status for every call.
    Statuses go for the whole batch, not only the new rows: a retry after the calls insert
    succeeded but the status insert failed would otherwise leave those calls "processing" for
    good. call_status is read with argMax, so a repeated "done" row changes nothing."""
    from sinks import call_store  # it imports this module
    writer.write_scores(unstored(client, scores))
    call_store.write_statuses(client, map(call_store.status_row_from_score, scores))


# --- Faust agent shell -------------------------------------------------------------------------
def record_portal(record: Mapping[str, Any]) -> str | None:
    return record.get("member_id") or (record.get("context") or {}).get("member_id")


def register(app: "faust.App", settings: Settings, client: Client, executor: "Executor",
             portals: Any = None) -> None:
    """Batches of scored calls and dead letters, acked only once stored: a ClickHouse outage is
    retried in place (backpressure), never skipped. Records of an uninstalled portal (calls still
    in flight when its data was purged) are dropped, so a purge stays a purge."""
    import asyncio
    import logging

    from tenacity import AsyncRetrying, before_sleep_log, wait_exponential

    from schemas import registry
    from streams.batching import AckingBatcher
    from streams.topics import Topic

    log = logging.getLogger(__name__)
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    loop_run = lambda fn, *a: asyncio.get_running_loop().run_in_executor(executor, fn, *a)  # noqa: E731

    def wanted(record: dict) -> bool:
        if record.get("event") == "ONAPPUNINSTALL":
            return False
        portal = portals.get(record_portal(record) or "") if portals is not None else None
        return portal is None or portal.status != "uninstalled"

    def decode_all(events, record_name: str) -> list[dict]:
        out = []
        for event in events:
            try:
                record = registry.decode(record_name, event.value)
            except registry.SchemaError as exc:
                log.error("clickhouse sink: skipped undecodable %s at %s: %s", record_name,
                          event.message.offset, exc)
                continue
            if wanted(record):
                out.append(record)
        return out

    async def write(fn, records: list[dict]) -> None:
        async for attempt in AsyncRetrying(wait=wait_exponential(min=0.5, max=30), reraise=True,
                                           before_sleep=before_sleep_log(log, logging.WARNING)):
            with attempt:
                await loop_run(fn, records)

    from sinks import call_store

    def write_dead_letters(letters: list[dict]) -> None:
        writer.write_dead_letters(letters)
        call_store.write_statuses(client, map(call_store.status_row_from_dead_letter, letters))

    def write_call_statuses(records: list[dict]) -> None:
        call_store.write_statuses(client, map(call_store.status_row_from_call_status, records))

    def batcher(stream, fn, record_name: str) -> AckingBatcher:
        async def flush(events) -> None:
            await write(fn, decode_all(events, record_name))
        return AckingBatcher(stream, flush, settings.clickhouse_batch_size, settings.clickhouse_batch_within_s)

    @app.agent(app.topic(settings.topic(Topic.SCORED)), name="clickhouse-calls")
    async def store_scores(stream) -> None:
        await batcher(stream, lambda ss: write_new_scores(client, writer, ss), "aica.CallScore").run()

    @app.agent(app.topic(settings.topic(Topic.DEADLETTER)), name="clickhouse-dead-letters")
    async def store_dead_letters(stream) -> None:
        await batcher(stream, write_dead_letters, "aica.DeadLetter").run()

    # Dashboard tables (sinks/call_store.py): statuses, redacted transcripts, received events.
    @app.agent(app.topic(settings.topic(Topic.CALL_STATUS)), name="clickhouse-call-status")
    async def store_call_statuses(stream) -> None:
        await batcher(stream, write_call_statuses, "aica.CallStatus").run()

    @app.agent(app.topic(settings.topic(Topic.REDACTED)), name="clickhouse-transcripts")
    async def store_transcripts(stream) -> None:
        await batcher(stream, lambda rs: call_store.write_transcripts(client, rs), "aica.RedactedTranscript").run()

    @app.agent(app.topic(settings.topic(Topic.EVENTS)), name="clickhouse-events")
    async def store_events(stream) -> None:
        await batcher(stream, lambda es: call_store.write_events(client, es), "aica.CrmWebhookEvent").run()
