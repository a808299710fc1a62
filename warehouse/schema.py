"""ClickHouse DDL for the metrics sink and the CRM write ledger, plus the column order inserts use.

Every table is a ReplacingMergeTree whose ORDER BY starts with member_id (one portal's rows sit
together and every query filters on it) and ends with the natural key, so replays and
redeliveries collapse to one row when read with FINAL. No PARTITION BY: ReplacingMergeTree only
deduplicates within a partition, and a rescore may move a row's time into another month.
Enumerations from the Avro contracts are LowCardinality(String), not Enum, so a new symbol
added to a contract cannot make inserts fail; the ledger status is ours and stays an Enum.

About 260 lines, nearly all DDL: every table in one place, so the purge and migrations see them all."""
from __future__ import annotations

import re

from warehouse.rows import (  # noqa: F401 - re-exported: the insert column order of every table is here
    CALL_COLUMNS,
    CALL_STATUS_COLUMNS,
    CRITERION_COLUMNS,
    ENTITY_COLUMNS,
    NO_START_DAY,
)

TIME = "DateTime64(3, 'UTC')"
# The tables the dashboard reads one call at a time (by member_id, call_id): a read by key
# decompresses whole granules, so they hold 256 rows (as call_entities), not ClickHouse's 8,192,
# and whole compressed blocks, so those are 4-16 KiB, not 64 KiB-1 MiB (a 64 KiB block of a small
# column spans dozens of granules: with it, reading 40 calls' status decompressed ~2x the bytes
# and CPU; tables grow 10-25 %). A database created with other settings is rebuilt once by
# ensure_schema (warehouse.rebuild).
KEYED_GRANULE = 256
KEYED_SETTINGS = (f"index_granularity = {KEYED_GRANULE},"
                  " min_compress_block_size = 4096, max_compress_block_size = 16384")

CALLS_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.calls (
    member_id LowCardinality(String),
    call_id String,
    scorecard LowCardinality(String),
    project LowCardinality(String),
    domain LowCardinality(String),
    activity_id UInt64,
    line LowCardinality(String),
    direction LowCardinality(String),
    responsible_id Nullable(UInt64),
    started_at Nullable({TIME}),
    duration_s Nullable(Float64),
    language LowCardinality(String),
    score UInt8,
    outcome LowCardinality(String),
    compliance LowCardinality(String),
    summary String,
    improvements Array(String),
    agent_talk_s Float64,
    client_talk_s Float64,
    silence_s Float64,
    segments UInt32,
    contact_ids Array(UInt64),
    deal_ids Array(UInt64),
    lead_ids Array(UInt64),
    company_ids Array(UInt64),
    versions Map(String, String),
    asr_model LowCardinality(String),
    analyzer LowCardinality(String),
    scored_at {TIME},
    inserted_at {TIME} DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (member_id, call_id, scorecard)
SETTINGS {KEYED_SETTINGS}
"""

CALL_CRITERIA_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.call_criteria (
    member_id LowCardinality(String),
    call_id String,
    scorecard LowCardinality(String),
    criterion_id LowCardinality(String),
    label String,
    weight Float64,
    critical Bool,
    compliance Bool,
    verdict LowCardinality(String),
    points Float64,
    evidence Array(String),
    project LowCardinality(String),
    started_at Nullable({TIME}),
    scored_at {TIME},
    inserted_at {TIME} DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(scored_at)
ORDER BY (member_id, call_id, scorecard, criterion_id)
SETTINGS {KEYED_SETTINGS}
"""

# member_id/call_id are optional in aica.DeadLetter; stored as '' because key columns can't be Nullable.
DEAD_LETTERS_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.dead_letters (
    member_id LowCardinality(String),
    call_id String,
    stage LowCardinality(String),
    source_topic LowCardinality(String),
    error_type LowCardinality(String),
    reason String,
    attempts UInt32,
    failed_at {TIME},
    inserted_at {TIME} DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY (member_id, stage, call_id, failed_at)
"""

# On equal updated_at ReplacingMergeTree keeps the last inserted row, so two marks within the
# same millisecond still resolve to the later one.
CRM_DELIVERIES_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.crm_deliveries (
    member_id LowCardinality(String),
    call_id String,
    entity_type LowCardinality(String),
    entity_id UInt64,
    fingerprint String,
    status Enum8('pending' = 1, 'done' = 2, 'failed' = 3),
    fields_json String,
    error String,
    updated_at {TIME}
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (member_id, call_id, entity_type, entity_id, fingerprint)
"""

# Dashboard tables (warehouse.read_model). call_status keeps every status change (plain
# MergeTree, read with argMax); a call's metadata comes from the rows that carry it.
CALL_STATUS_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.call_status (
    member_id LowCardinality(String),
    call_id String,
    status LowCardinality(String),
    stage LowCardinality(String),
    reason String,
    has_context Bool,
    activity_id UInt64,
    started_at Nullable({TIME}),
    direction LowCardinality(String),
    responsible_id Nullable(UInt64),
    duration_s Nullable(Float64),
    contact_ids Array(UInt64),
    deal_ids Array(UInt64),
    lead_ids Array(UInt64),
    company_ids Array(UInt64),
    updated_at {TIME},
    inserted_at {TIME} DEFAULT now64(3)
) ENGINE = MergeTree
ORDER BY (member_id, call_id, updated_at)
SETTINGS {KEYED_SETTINGS}
"""

# The redacted transcript (PII-free by construction) as parallel arrays, one element per segment.
CALL_TRANSCRIPTS_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.call_transcripts (
    member_id LowCardinality(String),
    call_id String,
    language LowCardinality(String),
    audio_uri String,
    audio_duration_s Float64,
    channels UInt8,
    segment_starts Array(Float64),
    segment_ends Array(Float64),
    speakers Array(LowCardinality(String)),
    texts Array(String),
    redacted_at {TIME},
    inserted_at {TIME} DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(redacted_at)
ORDER BY (member_id, call_id)
SETTINGS {KEYED_SETTINGS}
"""

# Which calls each CRM entity has: one row per (entity, day, call), written by warehouse.writer
# beside every calls and call_status row. The dashboard's entity reads take their call ids from
# here (a range of the sorting key) instead of scanning the portal for has(contact_ids, id); they
# still read the calls themselves, so a stale row here (a binding a newer version dropped) only
# adds a candidate that the read then filters out. Day as the reads date a call:
# coalesce(started_at, scored_at / updated_at). Existing data: BACKFILL_STATEMENTS. Small granules:
# an entity's rows are a few dozen, and a lookup decompresses whole granules and blocks.
CALL_ENTITIES_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.call_entities (
    member_id LowCardinality(String),
    entity_type LowCardinality(String),
    entity_id UInt64,
    day Date,
    call_id String
) ENGINE = ReplacingMergeTree
ORDER BY (member_id, entity_type, entity_id, day, call_id)
SETTINGS {KEYED_SETTINGS}
"""

EVENTS_RECEIVED_DDL = f"""
CREATE TABLE IF NOT EXISTS {{db}}.events_received (
    member_id LowCardinality(String),
    event_id String,
    event LowCardinality(String),
    entity_id String,
    source LowCardinality(String),
    received_at {TIME}
) ENGINE = ReplacingMergeTree
ORDER BY (member_id, event_id)
"""

TABLE_DDL = {
    "calls": CALLS_DDL,
    "call_criteria": CALL_CRITERIA_DDL,
    "dead_letters": DEAD_LETTERS_DDL,
    "crm_deliveries": CRM_DELIVERIES_DDL,
    "call_status": CALL_STATUS_DDL,
    "call_transcripts": CALL_TRANSCRIPTS_DDL,
    "events_received": EVENTS_RECEIVED_DDL,
    "call_entities": CALL_ENTITIES_DDL,
}

# Columns added after a table shipped: applied to existing databases too (idempotent).
MIGRATIONS = (
    # Where each evidence quote sits (segment index, start second), parallel to `evidence`.
    "ALTER TABLE {db}.call_criteria ADD COLUMN IF NOT EXISTS evidence_segments Array(Nullable(Int32))",
    "ALTER TABLE {db}.call_criteria ADD COLUMN IF NOT EXISTS evidence_starts Array(Nullable(Float64))",
    # Which call and scorecard version a CRM write carried (sinks.crm_writeback.call_order): an
    # older call or version (a rescore) never overwrites a newer one's fields.
    "ALTER TABLE {db}.crm_deliveries ADD COLUMN IF NOT EXISTS call_order String DEFAULT ''",
)

# Columns the writer supplies, in insert order (inserted_at is filled by its DEFAULT); the scored-call
# tables' are with the functions that build their rows (warehouse.rows).
DEAD_LETTER_COLUMNS = (
    "member_id", "call_id", "stage", "source_topic", "error_type", "reason", "attempts", "failed_at",
)
LEDGER_COLUMNS = (
    "member_id", "call_id", "entity_type", "entity_id", "fingerprint", "status", "fields_json",
    "error", "updated_at", "call_order",
)
LEDGER_STATUSES = ("pending", "done", "failed")
TRANSCRIPT_COLUMNS = (
    "member_id", "call_id", "language", "audio_uri", "audio_duration_s", "channels",
    "segment_starts", "segment_ends", "speakers", "texts", "redacted_at",
)
EVENT_COLUMNS = ("member_id", "event_id", "event", "entity_id", "source", "received_at")

# Fills call_entities from the rows stored before it existed (idempotent: replayed rows collapse).
# ensure_schema runs them once per database, then marks the table with BACKFILLED; a table marked
# BACKFILLED_WITHOUT_NO_START (before rows without start time were indexed on NO_START_DAY as
# well, warehouse.rows.entity_rows) gets the NO_START_BACKFILL rows only.
_ENTITY_PAIRS = ("arrayConcat(arrayMap(i -> ('contact', i), contact_ids), arrayMap(i -> ('deal', i), deal_ids),"
                 " arrayMap(i -> ('lead', i), lead_ids), arrayMap(i -> ('company', i), company_ids))")
_SOURCES = (("calls", "scored_at"), ("call_status", "updated_at"))
NO_START_BACKFILL = tuple(
    f"INSERT INTO {{db}}.call_entities ({', '.join(ENTITY_COLUMNS)})"
    f" SELECT member_id, entity.1, entity.2, toDate('{NO_START_DAY.isoformat()}'), call_id"
    f" FROM {{db}}.{source} ARRAY JOIN {_ENTITY_PAIRS} AS entity WHERE started_at IS NULL"
    for source, _ in _SOURCES)
BACKFILL_STATEMENTS = tuple(
    f"INSERT INTO {{db}}.call_entities ({', '.join(ENTITY_COLUMNS)})"
    f" SELECT member_id, entity.1, entity.2, toDate(coalesce(started_at, {at})), call_id"
    f" FROM {{db}}.{source} ARRAY JOIN {_ENTITY_PAIRS} AS entity"
    for source, at in _SOURCES) + NO_START_BACKFILL
BACKFILLED = "backfilled, no-start days"
BACKFILLED_WITHOUT_NO_START = "backfilled"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quoted_identifier(name: str) -> str:
    """A database name from settings, safe to splice into SQL (identifiers can't be bound)."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain ClickHouse identifier: {name!r}")
    return f"`{name}`"


def schema_statements(database: str) -> list[str]:
    """The idempotent DDL that creates every table in `database`, in order."""
    db = quoted_identifier(database)
    return [ddl.format(db=db).strip() for ddl in TABLE_DDL.values()] + [m.format(db=db) for m in MIGRATIONS]
