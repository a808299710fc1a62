"""The dashboard's entity reads and the score writer as they were before call_entities (frozen copy):
the baseline of bench/dashboard_reads.py and the oracle the tests compare the indexed reads with.
Each scans the portal's calls (or statuses) for has(<entity>_ids, id)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

from warehouse.read_model import (
    _scored_rows,
    _sort_key,
    _status_rows,
    call_versions,
    criteria,
    merge_call,
    transcript,
)
from warehouse.rows import BINDING_COLUMNS, rows_from_score
from warehouse.schema import CALL_COLUMNS, CALL_STATUS_COLUMNS, CRITERION_COLUMNS


def score_trend(client: Client, member_id: str, entity_type: str, entity_id: int, days: int, *,
                scorecard: str | None = None, until: date | None = None) -> list[tuple[date, float, int]]:
    column = BINDING_COLUMNS[entity_type]
    until = until or datetime.now(UTC).date()
    scorecard_filter = " AND scorecard = {scorecard:String}" if scorecard else ""
    result = client.query(
        f"SELECT toDate(coalesce(started_at, scored_at)) AS day, avg(score), uniqExact(call_id)"
        f" FROM calls FINAL"
        f" WHERE member_id = {{member_id:String}} AND has({column}, {{entity_id:UInt64}})"
        f" AND day BETWEEN {{since:Date}} AND {{until:Date}}{scorecard_filter}"
        " GROUP BY day ORDER BY day",
        parameters={"member_id": member_id, "entity_id": entity_id, "scorecard": scorecard or "",
                    "since": until - timedelta(days=days - 1), "until": until})
    return [(day, float(avg), int(calls)) for day, avg, calls in result.result_rows]


def entity_calls(client: Client, member_id: str, entity_type: str, entity_id: int, limit: int) -> list[dict]:
    column = BINDING_COLUMNS[entity_type]
    params = {"entity_id": entity_id}
    statuses = {r["call_id"]: r for r in _status_rows(
        client, member_id, "", f" HAVING has(m_{column}, {{entity_id:UInt64}})", params, limit)}
    scored = {r["call_id"]: r for r in _scored_rows(
        client, member_id, f" AND has({column}, {{entity_id:UInt64}})", params, limit)}
    # Sorted ids (the one change to the frozen copy): calls at the same time then come in the same
    # order as the indexed read's, not in set order, which differs between processes.
    calls = [merge_call(statuses.get(c), scored.get(c)) for c in sorted(statuses.keys() | scored.keys())]
    return sorted(calls, key=_sort_key, reverse=True)[:limit]


def entity_scorecards(client: Client, member_id: str, entity_type: str, entity_id: int) -> list[str]:
    column = BINDING_COLUMNS[entity_type]
    rows = client.query(
        f"SELECT scorecard FROM calls FINAL WHERE member_id = {{member_id:String}}"
        f" AND has({column}, {{entity_id:UInt64}}) GROUP BY scorecard ORDER BY max(scored_at) DESC",
        parameters={"member_id": member_id, "entity_id": entity_id}).result_rows
    return [r[0] for r in rows]


def trend(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
          until: date | None = None, scorecard: str | None = None) -> list[dict[str, Any]]:
    return [{"day": day.isoformat(), "avg_score": round(avg, 1), "calls": calls}
            for day, avg, calls in score_trend(client, member_id, entity_type, entity_id, days,
                                               scorecard=scorecard, until=until)]


def trend_by_scorecard(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
                       until: date | None = None) -> list[dict[str, Any]]:
    return [{"scorecard": ref, "points": trend(client, member_id, entity_type, entity_id, days, until, ref)}
            for ref in entity_scorecards(client, member_id, entity_type, entity_id)]


def insert_rows(client: Client, table: str, rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> int:
    """warehouse.writer.insert_rows as it was (clickhouse-connect looks the column types up each time)."""
    data = [[row[c] for c in columns] for row in rows]
    if data:
        client.insert(table, data, column_names=list(columns))
    return len(data)


def call_detail(client: Client, member_id: str, call_id: str, scorecard: str | None = None) -> dict[str, Any] | None:
    """Five reads: the status, the verdict, its criteria, the versions (calls again), the transcript."""
    params = {"call_id": call_id, "scorecard": scorecard or ""}
    status = next(iter(_status_rows(client, member_id, " AND call_id = {call_id:String}", "", params, 1)), None)
    where = " AND call_id = {call_id:String}" + (" AND scorecard = {scorecard:String}" if scorecard else "")
    scored = next(iter(_scored_rows(client, member_id, where, params, 100)), None)
    if status is None and scored is None:
        return None
    call = merge_call(status, scored)
    call |= {key: scored[key] if scored else None for key in ("compliance", "summary", "scorecard")}
    call["improvements"] = list(scored["improvements"]) if scored else []
    call["criteria"] = criteria(client, member_id, call_id, scored["scorecard"]) if scored else []
    call["scorecards"] = call_versions(client, member_id, call_id)
    call["transcript"], call["audio_uri"] = transcript(client, member_id, call_id)
    return call


def write_scores_and_statuses(client: Client, scores: Iterable[Mapping[str, Any]],
                              status_rows: Iterable[Mapping[str, Any]]) -> int:
    """ClickHouseWriter.write_scores + write_statuses as they were: no call_entities rows."""
    call_rows, criteria_rows = [], []
    for score in scores:
        call_row, criteria = rows_from_score(score)
        call_rows.append(call_row)
        criteria_rows.extend(criteria)
    insert_rows(client, "call_criteria", criteria_rows, CRITERION_COLUMNS)
    insert_rows(client, "call_status", status_rows, CALL_STATUS_COLUMNS)
    return insert_rows(client, "calls", call_rows, CALL_COLUMNS)
