"""Records -> ClickHouse rows: pure mapping, no client. Scored calls, per-criterion results, dead
letters, call statuses, redacted transcripts and received events."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

# Keys of CallContext.versions that get their own columns (the full map is kept as well).
ASR_VERSION_KEY = "asr"
ANALYZER_VERSION_KEY = "analyzer"

# CrmBinding.entity_type -> the calls column that lists those ids.
BINDING_COLUMNS = {"contact": "contact_ids", "deal": "deal_ids", "lead": "lead_ids", "company": "company_ids"}

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


def entity_rows(row: Mapping[str, Any], at_column: str) -> list[dict[str, Any]]:
    """A calls or call_status row -> its call_entities rows (schema.CALL_ENTITIES_DDL), one per
    bound entity, dated as the reads date the call: started_at, else `at_column` (and NO_START_DAY)."""
    days = [row["started_at"].date()] if row["started_at"] else [row[at_column].date(), NO_START_DAY]
    return [{"member_id": row["member_id"], "call_id": row["call_id"], "day": day, "entity_type": kind,
             "entity_id": entity_id}
            for kind, column in BINDING_COLUMNS.items() for entity_id in row[column] for day in days]


def rows_from_dead_letter(dead_letter: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded aica.DeadLetter -> its dead_letters row (the payload bytes stay in Kafka)."""
    return {
        "member_id": dead_letter.get("member_id") or "", "call_id": dead_letter.get("call_id") or "",
        "stage": dead_letter["stage"], "source_topic": dead_letter["source_topic"],
        "error_type": dead_letter["error_type"], "reason": dead_letter["reason"],
        "attempts": dead_letter["attempts"], "failed_at": as_utc(dead_letter["failed_at"]),
    }


def status_row(member_id: str, call_id: str, status: str, stage: str, reason: str | None,
               context: Mapping[str, Any] | None, at: Any) -> dict[str, Any]:
    ctx = context or {}
    return {
        "member_id": member_id, "call_id": call_id, "status": status, "stage": stage,
        "reason": reason or "", "has_context": context is not None,
        "activity_id": int(ctx.get("activity_id") or 0), "started_at": as_utc(ctx.get("started_at")),
        "direction": ctx.get("direction") or "unknown", "responsible_id": ctx.get("responsible_id"),
        "duration_s": ctx.get("duration_s"), **binding_ids(ctx.get("bindings") or []),
        "updated_at": as_utc(at),
    }


def status_row_from_call_status(record: Mapping[str, Any]) -> dict[str, Any]:
    return status_row(record["member_id"], record["call_id"], record["status"], record["stage"],
                      record.get("reason"), record.get("context"), record["at"])


def status_row_from_score(score: Mapping[str, Any]) -> dict[str, Any]:
    ctx = score["context"]
    return status_row(ctx["member_id"], ctx["call_id"], "done", "score", None, ctx, score["scored_at"])


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
