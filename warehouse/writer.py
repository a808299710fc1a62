"""Batched, idempotent inserts. Tables are ReplacingMergeTree keyed by portal, call and scorecard
version (warehouse.schema), and a redelivered batch skips the rows already stored, so a replay or a
crash before the offset commit never adds a row twice. Synchronous: callers run it on the one
thread that owns the client."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from streams.metrics import timed_insert
from warehouse.connection import table as _table
from warehouse.rebuild import rebuild_stale_tables
from warehouse.rows import (
    as_utc,
    done_status_values,
    entity_rows,
    event_row,
    rows_from_dead_letter,
    score_rows,
    transcript_row,
)
from warehouse.schema import (
    BACKFILL_STATEMENTS,
    BACKFILLED,
    BACKFILLED_WITHOUT_NO_START,
    CALL_COLUMNS,
    CALL_STATUS_COLUMNS,
    CRITERION_COLUMNS,
    DEAD_LETTER_COLUMNS,
    ENTITY_COLUMNS,
    EVENT_COLUMNS,
    NO_START_BACKFILL,
    TRANSCRIPT_COLUMNS,
    quoted_identifier,
    schema_statements,
)


# (database, table) -> {column: type}: without the types clickhouse-connect runs a DESCRIBE before
# every insert, one more round trip per table and batch. The DDL fixes a column's type for good.
# LowCardinality(String) columns are sent as String: clickhouse-connect builds each block's
# dictionary in Python (a tenth of the writer's CPU), ClickHouse converts on insert.
_COLUMN_TYPES: dict[tuple[str, str], dict[str, str]] = {}
_LOW_CARDINALITY = re.compile(r"LowCardinality\((.*)\)")


def _sent_type(column_type: str) -> str:
    return _LOW_CARDINALITY.sub(r"\1", column_type)


def _typed_insert(client: Client, table: str, data: Sequence[Sequence[Any]], columns: tuple[str, ...],
                  database: str | None = None) -> None:
    database = database or client.database
    types = _COLUMN_TYPES.get((database, table))
    if types is None or not types.keys() >= set(columns):
        described = client.query(f"DESCRIBE TABLE {_table(client, table, database)}").result_rows
        types = _COLUMN_TYPES[(database, table)] = {row[0]: _sent_type(row[1]) for row in described}
    client.insert(table, data, database=database, column_names=list(columns),
                  column_type_names=[types[c] for c in columns])


def _as_lists(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> list[list[Any]]:
    return [[row[column] for column in columns] for row in rows]


class ClickHouseWriter:
    """Batched, idempotent inserts: the same record written twice is one row under FINAL."""

    def __init__(self, client: Client, database: str) -> None:
        self.client = client
        self.database = database

    def ensure_schema(self) -> None:
        db = quoted_identifier(self.database)
        self.client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
        for statement in schema_statements(self.database):
            self.client.command(statement)
        # call_entities on a database that predates it: filled once from the stored rows. New rows
        # are indexed by the writer meanwhile; a row both ways collapses (ReplacingMergeTree).
        comment = self.client.command("SELECT comment FROM system.tables WHERE database = {d:String}"
                                      " AND name = 'call_entities'", parameters={"d": self.database})
        if comment != BACKFILLED:
            for statement in (NO_START_BACKFILL if comment == BACKFILLED_WITHOUT_NO_START else BACKFILL_STATEMENTS):
                self.client.command(statement.format(db=db))
            self.client.command(f"ALTER TABLE {db}.call_entities MODIFY COMMENT '{BACKFILLED}'")
        # Tables created with other granules than the DDL's (before warehouse.schema.KEYED_GRANULE).
        rebuild_stale_tables(self.client, self.database)

    def write_scores(self, scores: Iterable[Mapping[str, Any]]) -> int:
        """Insert a batch of decoded CallScores; returns the number of call rows written."""
        rows = score_rows(scores)
        # Index and criteria first: a call row visible on the dashboard is found and complete.
        insert_values(self.client, "call_entities", rows.entities, ENTITY_COLUMNS, self.database)
        insert_values(self.client, "call_criteria", rows.criteria, CRITERION_COLUMNS, self.database)
        return insert_values(self.client, "calls", rows.calls, CALL_COLUMNS, self.database)

    def write_dead_letters(self, dead_letters: Iterable[Mapping[str, Any]]) -> int:
        rows = [rows_from_dead_letter(dl) for dl in dead_letters]
        insert_values(self.client, "dead_letters", _as_lists(rows, DEAD_LETTER_COLUMNS), DEAD_LETTER_COLUMNS,
                      self.database)
        return len(rows)


def insert_values(client: Client, table: str, rows: Sequence[Sequence[Any]], columns: tuple[str, ...],
                  database: str | None = None) -> int:
    """Rows given as sequences in `columns` order."""
    if rows:
        with timed_insert(table):
            _typed_insert(client, table, rows, columns, database)
    return len(rows)


def insert_rows(client: Client, table: str, rows: Iterable[Mapping[str, Any] | None],
                columns: tuple[str, ...]) -> int:
    """Rows given as dicts (None: no row)."""
    return insert_values(client, table, _as_lists((row for row in rows if row is not None), columns), columns)


def write_statuses(client: Client, rows: Iterable[Mapping[str, Any] | None], *, index: bool = True) -> int:
    """Status rows, after their call_entities rows (a status the dashboard shows is found).
    `index=False` for statuses whose call rows carry the same bindings and day (a score's "done")."""
    rows = [row for row in rows if row is not None]
    if index:
        insert_values(client, "call_entities", [r for row in rows for r in entity_rows(row, "updated_at")],
                      ENTITY_COLUMNS)
    return insert_rows(client, "call_status", rows, CALL_STATUS_COLUMNS)


def write_transcripts(client: Client, redacted: Iterable[Mapping[str, Any]]) -> int:
    return insert_rows(client, "call_transcripts", map(transcript_row, redacted), TRANSCRIPT_COLUMNS)


def write_events(client: Client, events: Iterable[Mapping[str, Any]]) -> int:
    return insert_rows(client, "events_received", map(event_row, events), EVENT_COLUMNS)


def stored_score_keys(client: Client, scores: list[Mapping[str, Any]], *,
                      database: str | None = None) -> set[tuple[str, str, str, datetime]]:
    """Which of these exact (portal, call, scorecard, scored_at) rows are already stored, so a
    redelivered batch (crash before the offset commit) inserts nothing twice."""
    if not scores:
        return set()
    keys = [(s["context"]["member_id"], s["context"]["call_id"], s["scorecard"]) for s in scores]
    # One JSON string, not an Array(Tuple) parameter: clickhouse-connect formats that element by
    # element in Python (a tenth of a batch's CPU at 500 scores); json.dumps is C. Bound, not
    # spliced: as a literal, a batch of a few thousand keys passes max_query_size (256 KiB).
    result = client.query(
        f"SELECT member_id, call_id, scorecard, scored_at FROM {_table(client, 'calls', database)}"
        " WHERE (member_id, call_id, scorecard) IN"
        " (SELECT arrayJoin(JSONExtract({keys:String}, 'Array(Tuple(String, String, String))')))",
        parameters={"keys": json.dumps(keys)})
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
    good. call_status is read with argMax, so a repeated "done" row changes nothing. A "done" row
    has its score's context, so the call_entities rows write_scores wrote (now or when the score
    was first stored) already index it: one index insert per batch, not two."""
    writer.write_scores(unstored(client, scores))
    insert_values(client, "call_status", [done_status_values(s) for s in scores], CALL_STATUS_COLUMNS)
