"""Records -> ClickHouse rows: pure mapping, no client. Scored calls, per-criterion results, dead
letters, call statuses, redacted transcripts and received events. The scored-call path (the
volume: calls, call_criteria, call_entities, "done" statuses) builds tuples in insert column
order; the dict forms (rows_from_score, status_row) are made from the same tuples."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

# Keys of CallContext.versions that get their own columns (the full map is kept as well).
ASR_VERSION_KEY = "asr"
ANALYZER_VERSION_KEY = "analyzer"

# CrmBinding.entity_type -> the calls column that lists those ids.
BINDING_COLUMNS = {"contact": "contact_ids", "deal": "deal_ids", "lead": "lead_ids", "company": "company_ids"}

# Columns the writer supplies for the scored-call tables, in insert order (inserted_at is filled by
# its DEFAULT); the *_values functions below build rows in this order (warehouse.schema has the DDL).
CALL_COLUMNS = (
    "member_id", "call_id", "scorecard", "project", "domain", "activity_id", "line", "direction",
    "responsible_id", "started_at", "duration_s", "language", "score", "outcome", "compliance",
    "summary", "improvements", "agent_talk_s", "client_talk_s", "silence_s", "segments",
    "contact_ids", "deal_ids", "lead_ids", "company_ids", "versions", "asr_model", "analyzer",
    "scored_at",
)
CRITERION_COLUMNS = (
    "member_id", "call_id", "scorecard", "criterion_id", "label", "weight", "critical",
    "compliance", "verdict", "points", "evidence", "project", "started_at", "scored_at",
    "evidence_segments", "evidence_starts",
)
CALL_STATUS_COLUMNS = (
    "member_id", "call_id", "status", "stage", "reason", "has_context", "activity_id", "started_at",
    "direction", "responsible_id", "duration_s", "contact_ids", "deal_ids", "lead_ids",
    "company_ids", "updated_at",
)
ENTITY_COLUMNS = ("member_id", "entity_type", "entity_id", "day", "call_id")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The call_entities day a row without start time is indexed on as well (ClickHouse Date's last
# day): the entity's call list puts such a call by a later status time the index does not hold,
# so its newest-first read (warehouse.call_listing.entity_calls) must always read it.
NO_START_DAY = date(2149, 6, 6)


def as_utc(value: datetime | int | None) -> datetime | None:
    """Avro timestamp-millis as given to or returned by schemas.registry -> UTC-aware datetime."""
    if value is None:
        return None
    if isinstance(value, int):
        return _EPOCH + timedelta(milliseconds=value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def binding_ids(bindings: Iterable[Mapping[str, Any]]) -> tuple[list[int], ...]:
    """CrmBinding list -> sorted unique ids per BINDING_COLUMNS column, in that order; unknown
    entity types are dropped."""
    ids: dict[str, list[int]] = {kind: [] for kind in BINDING_COLUMNS}
    for binding in bindings:
        kind_ids = ids.get(binding["entity_type"])
        if kind_ids is not None:
            kind_ids.append(int(binding["entity_id"]))
    return tuple(sorted(set(values)) if len(values) > 1 else values for values in ids.values())


def call_values(score: Mapping[str, Any], started_at: datetime | None, scored_at: datetime,
                bindings: tuple[list[int], ...]) -> tuple:
    """A decoded aica.CallScore -> its calls row, in CALL_COLUMNS order (a tuple, not a dict:
    the writer builds thousands per batch, and dicts cost allocation and GC time)."""
    ctx, talk = score["context"], score["talk"]
    versions = ctx.get("versions") or {}
    return (ctx["member_id"], ctx["call_id"], score["scorecard"], ctx["project"], ctx["domain"],
            ctx["activity_id"], ctx.get("line") or "", ctx.get("direction") or "unknown",
            ctx.get("responsible_id"), started_at, ctx.get("duration_s"), ctx["language"],
            score["score"], score["outcome"], score["compliance"], score["summary"],
            list(score["improvements"]), talk["agent_talk_s"], talk["client_talk_s"],
            talk["silence_s"], talk["segments"], *bindings, dict(versions),
            versions.get(ASR_VERSION_KEY, ""), versions.get(ANALYZER_VERSION_KEY, ""), scored_at)


def criteria_values(score: Mapping[str, Any], started_at: datetime | None, scored_at: datetime) -> list[tuple]:
    """A decoded aica.CallScore -> one call_criteria row per criterion, in CRITERION_COLUMNS order."""
    ctx = score["context"]
    member_id, call_id, scorecard, project = ctx["member_id"], ctx["call_id"], score["scorecard"], ctx["project"]
    rows = []
    for c in score["criteria"]:
        evidence = c.get("evidence") or ()
        rows.append((member_id, call_id, scorecard, c["id"], c["label"], c["weight"], c["critical"],
                     c["compliance"], c["verdict"], c["points"], [e["quote"] for e in evidence], project,
                     started_at, scored_at, [e.get("segment") for e in evidence],
                     [e.get("start") for e in evidence]))
    return rows


def rows_from_score(score: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A decoded aica.CallScore -> (the calls row, one call_criteria row per criterion), as dicts."""
    ctx = score["context"]
    started_at, scored_at = as_utc(ctx.get("started_at")), as_utc(score["scored_at"])
    bindings = binding_ids(ctx.get("bindings") or ())
    return (dict(zip(CALL_COLUMNS, call_values(score, started_at, scored_at, bindings))),
            [dict(zip(CRITERION_COLUMNS, row)) for row in criteria_values(score, started_at, scored_at)])


class ScoreRows(NamedTuple):
    """A batch of scored calls as rows of calls, call_criteria and call_entities (column order)."""
    calls: list[tuple]
    criteria: list[tuple]
    entities: list[tuple]


def score_rows(scores: Iterable[Mapping[str, Any]]) -> ScoreRows:
    """Decoded aica.CallScores -> their rows in one pass (times and bindings read once per call)."""
    out = ScoreRows([], [], [])
    for score in scores:
        ctx = score["context"]
        started_at, scored_at = as_utc(ctx.get("started_at")), as_utc(score["scored_at"])
        bindings = binding_ids(ctx.get("bindings") or ())
        out.calls.append(call_values(score, started_at, scored_at, bindings))
        out.criteria.extend(criteria_values(score, started_at, scored_at))
        out.entities.extend(entity_values(ctx["member_id"], ctx["call_id"], bindings, started_at, scored_at))
    return out


def entity_values(member_id: str, call_id: str, bindings: tuple[list[int], ...],
                  started_at: datetime | None, at: datetime) -> list[tuple]:
    """A call's call_entities rows (schema.CALL_ENTITIES_DDL) in ENTITY_COLUMNS order, one per
    bound entity, dated as the reads date the call: started_at, else `at` (and NO_START_DAY)."""
    days = (started_at.date(),) if started_at else (at.date(), NO_START_DAY)
    return [(member_id, kind, entity_id, day, call_id)
            for kind, ids in zip(BINDING_COLUMNS, bindings) for entity_id in ids for day in days]


def entity_rows(row: Mapping[str, Any], at_column: str) -> list[tuple]:
    """A calls or call_status row (a dict) -> its call_entities rows, dated by `at_column` when it
    has no start time (entity_values)."""
    bindings = tuple(row[column] for column in BINDING_COLUMNS.values())
    return entity_values(row["member_id"], row["call_id"], bindings, row["started_at"], row[at_column])


def rows_from_dead_letter(dead_letter: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded aica.DeadLetter -> its dead_letters row (the payload bytes stay in Kafka)."""
    return {
        "member_id": dead_letter.get("member_id") or "", "call_id": dead_letter.get("call_id") or "",
        "stage": dead_letter["stage"], "source_topic": dead_letter["source_topic"],
        "error_type": dead_letter["error_type"], "reason": dead_letter["reason"],
        "attempts": dead_letter["attempts"], "failed_at": as_utc(dead_letter["failed_at"]),
    }


def status_values(member_id: str, call_id: str, status: str, stage: str, reason: str | None,
                  context: Mapping[str, Any] | None, at: datetime | None) -> tuple:
    """A call_status row in CALL_STATUS_COLUMNS order (`at` already UTC)."""
    ctx = context or {}
    return (member_id, call_id, status, stage, reason or "", context is not None,
            int(ctx.get("activity_id") or 0), as_utc(ctx.get("started_at")), ctx.get("direction") or "unknown",
            ctx.get("responsible_id"), ctx.get("duration_s"), *binding_ids(ctx.get("bindings") or ()), at)


def status_row(member_id: str, call_id: str, status: str, stage: str, reason: str | None,
               context: Mapping[str, Any] | None, at: Any) -> dict[str, Any]:
    return dict(zip(CALL_STATUS_COLUMNS,
                    status_values(member_id, call_id, status, stage, reason, context, as_utc(at))))


def status_row_from_call_status(record: Mapping[str, Any]) -> dict[str, Any]:
    return status_row(record["member_id"], record["call_id"], record["status"], record["stage"],
                      record.get("reason"), record.get("context"), record["at"])


def done_status_values(score: Mapping[str, Any]) -> tuple:
    """A scored call's "done" call_status row, in CALL_STATUS_COLUMNS order."""
    ctx = score["context"]
    return status_values(ctx["member_id"], ctx["call_id"], "done", "score", None, ctx, as_utc(score["scored_at"]))


def status_row_from_score(score: Mapping[str, Any]) -> dict[str, Any]:
    return dict(zip(CALL_STATUS_COLUMNS, done_status_values(score)))


def status_row_from_dead_letter(letter: Mapping[str, Any]) -> dict[str, Any] | None:
    """A dead letter fails its call; letters with no call (e.g. a non-call event) have no status."""
    if not letter.get("call_id") or not letter.get("member_id"):
        return None
    return status_row(letter["member_id"], letter["call_id"], "failed", letter["stage"],
                      f"{letter['stage']}: {letter['reason']}", None, letter["failed_at"])


def transcript_row(redacted: Mapping[str, Any]) -> dict[str, Any]:
    ctx, segments = redacted["context"], redacted["segments"]
    return {
        "member_id": ctx["member_id"], "call_id": ctx["call_id"], "language": redacted["language"],
        "audio_uri": redacted["audio_uri"], "audio_duration_s": redacted["audio_duration_s"],
        "channels": redacted["channels"], "segment_starts": [s["start"] for s in segments],
        "segment_ends": [s["end"] for s in segments], "speakers": [s["speaker"] for s in segments],
        "texts": [s["text"] for s in segments], "redacted_at": as_utc(redacted["redacted_at"]),
    }


def event_row(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"member_id": event["member_id"], "event_id": event["event_id"], "event": event["event"],
            "entity_id": event["entity_id"], "source": event["source"],
            "received_at": as_utc(event["received_at"])}
