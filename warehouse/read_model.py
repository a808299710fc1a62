"""What the dashboard, the demo and the CLI read: calls, criteria, transcripts, trends, dead letters
and a portal's delivery status. Every read filters by member_id first, and entity reads by the CRM
binding too: tenant and entity isolation live in these queries. Reads use FINAL (or argMax) so
redelivered or replayed rows count once. Entity reads take their call ids from call_entities
(`entity_calls_filter`: a range of its sorting key) and then read only those calls, by primary key.

Synchronous (clickhouse-connect); `CallStore` runs them on the one thread that owns the client.

The entity's call list and the status / score rows the call views share live in
warehouse.call_listing (re-exported here): review the two files together for isolation."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from clickhouse_connect.driver.client import Client

from warehouse.call_listing import (  # noqa: F401  re-exported: the call views' rows
    _DETAILED,
    _LISTED,
    _iso,
    _scored_rows,
    _sort_key,
    _status_rows,
    entity_calls,
    merge_call,
)
from warehouse.connection import table as _table
from warehouse.entity_index import BY_KEY, entity_calls_filter
from warehouse.rows import BINDING_COLUMNS

T = TypeVar("T")
CALL_STATUSES = ("processing", "done", "failed", "skipped")


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
    return [(day, float(avg), int(calls)) for day, avg, calls in _daily_scores(
        client, member_id, entity_type, entity_id, days, until, scorecard=scorecard, database=database)]


def _daily_scores(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
                  until: date | None, *, scorecard: str | None = None, by_scorecard: bool = False,
                  database: str | None = None) -> list[tuple]:
    """score_trend's rows, or with by_scorecard (scorecard, day, avg, calls): every version's line
    in one read."""
    column = BINDING_COLUMNS[entity_type]  # KeyError: not a bindable entity type
    until = until or datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    in_calls = entity_calls_filter(client, member_id, entity_type, entity_id, since=since, until=until,
                                   database=database)
    if in_calls is None:
        return []
    scorecard_filter = " AND scorecard = {scorecard:String}" if scorecard else ""
    keys = "scorecard, day" if by_scorecard else "day"
    result = client.query(
        f"SELECT {'scorecard, ' if by_scorecard else ''}toDate(coalesce(started_at, scored_at)) AS day,"
        f" avg(score), uniqExact(call_id) FROM {_table(client, 'calls', database)} FINAL"
        f" WHERE member_id = {{member_id:String}}{in_calls[0]} AND has({column}, {{entity_id:UInt64}})"
        f" AND day BETWEEN {{since:Date}} AND {{until:Date}}{scorecard_filter}"
        f" GROUP BY {keys} ORDER BY {keys}",
        parameters={"member_id": member_id, "entity_id": entity_id, "scorecard": scorecard or "",
                    "since": since, "until": until, **in_calls[1]})
    return result.result_rows


def call_versions(client: Client, member_id: str, call_id: str) -> list[dict[str, Any]]:
    """Every scorecard version this call was judged under (live and rescored), newest first."""
    rows = client.query(
        "SELECT scorecard, score, outcome, scored_at FROM calls FINAL PREWHERE member_id = {member_id:String}"
        " AND call_id = {call_id:String} ORDER BY scored_at DESC" + BY_KEY,
        parameters={"member_id": member_id, "call_id": call_id}).named_results()
    return [{**r, "scored_at": _iso(r["scored_at"])} for r in rows]


def call_detail(client: Client, member_id: str, call_id: str, scorecard: str | None = None) -> dict[str, Any] | None:
    """Everything the detail view shows, with `bindings` for the caller's entity check; None if
    this portal has no such call. The newest verdict by default, or the one under `scorecard`
    (side by side with another version); `scorecards` lists the versions there are."""
    params = {"call_id": call_id}
    status = next(iter(_status_rows(client, member_id, "", "", params, 1, by_key=" AND call_id = {call_id:String}")), None)
    # Every version in one read (newest first): the verdict shown and the list of versions. Point
    # reads filter on the key in PREWHERE (exact under FINAL: see call_listing._scored_query) on
    # one thread (BY_KEY).
    versions = list(client.query(
        f"SELECT {_DETAILED} FROM calls FINAL PREWHERE member_id = {{member_id:String}} AND call_id = {{call_id:String}}"
        " ORDER BY scored_at DESC" + BY_KEY, parameters={"member_id": member_id, **params}).named_results())
    scored = next((v for v in versions if scorecard is None or v["scorecard"] == scorecard), None)
    if status is None and scored is None:
        return None
    call = merge_call(status, scored)
    call |= {key: scored[key] if scored else None for key in ("compliance", "summary", "scorecard")}
    call["improvements"] = list(scored["improvements"]) if scored else []
    call["criteria"] = criteria(client, member_id, call_id, scored["scorecard"]) if scored else []
    call["scorecards"] = [{"scorecard": v["scorecard"], "score": v["score"], "outcome": v["outcome"],
                           "scored_at": _iso(v["scored_at"])} for v in versions]
    call["transcript"], call["audio_uri"] = transcript(client, member_id, call_id)
    return call


def criteria(client: Client, member_id: str, call_id: str, scorecard: str) -> list[dict[str, Any]]:
    rows = client.query(
        "SELECT criterion_id, label, verdict, points, weight, critical, evidence, evidence_segments,"
        " evidence_starts FROM call_criteria FINAL PREWHERE member_id = {member_id:String}"
        " AND call_id = {call_id:String} AND scorecard = {scorecard:String} ORDER BY criterion_id" + BY_KEY,
        parameters={"member_id": member_id, "call_id": call_id, "scorecard": scorecard}).named_results()
    out = []
    for r in rows:
        segments, starts = list(r["evidence_segments"]), list(r["evidence_starts"])
        evidence = [{"quote": q, "segment": segments[i] if i < len(segments) else None,
                     "start": starts[i] if i < len(starts) else None} for i, q in enumerate(r["evidence"])]
        out.append({"id": r["criterion_id"], "label": r["label"], "verdict": r["verdict"],
                    "points": r["points"], "weight": r["weight"], "critical": bool(r["critical"]),
                    "evidence": evidence})
    return out


def transcript(client: Client, member_id: str, call_id: str) -> tuple[list[dict[str, Any]], str | None]:
    rows = client.query(
        "SELECT segment_starts, segment_ends, speakers, texts, audio_uri FROM call_transcripts FINAL"
        " PREWHERE member_id = {member_id:String} AND call_id = {call_id:String} LIMIT 1" + BY_KEY,
        parameters={"member_id": member_id, "call_id": call_id}).result_rows
    if not rows:
        return [], None
    starts, ends, speakers, texts, uri = rows[0]
    return [{"speaker": s, "start": a, "end": b, "text": t}
            for a, b, s, t in zip(starts, ends, speakers, texts)], uri


def trend(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
          until: date | None = None, scorecard: str | None = None) -> list[dict[str, Any]]:
    return [{"day": day.isoformat(), "avg_score": round(avg, 1), "calls": calls}
            for day, avg, calls in score_trend(client, member_id, entity_type, entity_id, days,
                                               scorecard=scorecard, until=until)]


def entity_scorecards(client: Client, member_id: str, entity_type: str, entity_id: int, *,
                      in_calls: tuple[str, dict] | None | bool = True) -> list[str]:
    """The scorecard versions the entity's calls were judged under, newest first. `in_calls`:
    the entity's call filter when the caller read the index already."""
    column = BINDING_COLUMNS[entity_type]
    if in_calls is True:
        in_calls = entity_calls_filter(client, member_id, entity_type, entity_id)
    if in_calls is None:
        return []
    rows = client.query(
        f"SELECT scorecard FROM calls FINAL WHERE member_id = {{member_id:String}}{in_calls[0]}"
        f" AND has({column}, {{entity_id:UInt64}}) GROUP BY scorecard ORDER BY max(scored_at) DESC",
        parameters={"member_id": member_id, "entity_id": entity_id, **in_calls[1]}).result_rows
    return [r[0] for r in rows]


def trend_by_scorecard(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
                       until: date | None = None) -> list[dict[str, Any]]:
    """One trend line per scorecard version: the same calls judged live and rescored."""
    refs = entity_scorecards(client, member_id, entity_type, entity_id)
    points: dict[str, list[dict[str, Any]]] = {}
    for ref, day, avg, calls in _daily_scores(client, member_id, entity_type, entity_id, days, until,
                                              by_scorecard=True) if refs else []:
        points.setdefault(ref, []).append({"day": day.isoformat(), "avg_score": round(float(avg), 1),
                                           "calls": int(calls)})
    return [{"scorecard": ref, "points": points.get(ref, [])} for ref in refs]


def trend_with_series(client: Client, member_id: str, entity_type: str, entity_id: int, days: int,
                      until: date | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The trend endpoint's answer, (trend(...), trend_by_scorecard(...)), from one index read and
    one GROUPING SETS read of the entity's calls: per version (the versions list, newest first),
    per version and day, and per day (the same rows grouped three ways, so the same averages and
    counts; the days outside the window are dropped here, whole groups)."""
    in_calls = entity_calls_filter(client, member_id, entity_type, entity_id)
    if in_calls is None:
        return [], []
    column = BINDING_COLUMNS[entity_type]
    until = until or datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    rows = client.query(
        "SELECT scorecard, toDate(coalesce(started_at, scored_at)) AS day, max(scored_at), avg(score),"
        f" uniqExact(call_id), grouping(scorecard), grouping(day) FROM calls FINAL"
        f" WHERE member_id = {{member_id:String}}{in_calls[0]} AND has({column}, {{entity_id:UInt64}})"
        " GROUP BY GROUPING SETS ((scorecard), (scorecard, day), (day)) ORDER BY scorecard, day",
        parameters={"member_id": member_id, "entity_id": entity_id, **in_calls[1]}).result_rows
    newest: dict[str, Any] = {}
    points: list[dict[str, Any]] = []
    by_ref: dict[str, list[dict[str, Any]]] = {}
    for ref, day, scored_at, avg, calls, no_ref, no_day in rows:  # grouping(x): 1 where x is not a key
        if no_day:
            newest[ref] = scored_at
        elif since <= day <= until:
            point = {"day": day.isoformat(), "avg_score": round(float(avg), 1), "calls": int(calls)}
            (points if no_ref else by_ref.setdefault(ref, [])).append(point)
    refs = sorted(newest, key=newest.__getitem__, reverse=True)
    return points, [{"scorecard": ref, "points": by_ref.get(ref, [])} for ref in refs]


def delivery_status(client: Client, member_id: str, stage: str | None, status: str | None,
                    limit: int) -> dict[str, Any]:
    """Events received, calls by stage and status, failures and CRM writes of one portal."""
    q = lambda sql, **p: client.query(sql, parameters={"member_id": member_id, "limit": limit, **p})  # noqa: E731
    events = q("SELECT event, count(), max(received_at) FROM events_received FINAL"
               " WHERE member_id = {member_id:String} GROUP BY event ORDER BY event").result_rows
    having = "".join([" HAVING 1", " AND s_stage = {stage:String}" if stage else "",
                      " AND s_status = {status:String}" if status else ""])
    params = {"stage": stage or "", "status": status or ""}
    latest = _status_rows(client, member_id, "", having, params, 100_000)
    counts: dict[tuple[str, str], int] = {}
    for row in latest:
        counts[(row["stage"], row["status"])] = counts.get((row["stage"], row["status"]), 0) + 1
    failures = q("SELECT call_id, stage, error_type, reason, attempts, failed_at FROM dead_letters FINAL"
                 " WHERE member_id = {member_id:String}" + (" AND stage = {stage:String}" if stage else "") +
                 " ORDER BY failed_at DESC LIMIT {limit:UInt32}", stage=stage or "").named_results()
    writes = q("SELECT status, count() FROM crm_deliveries FINAL WHERE member_id = {member_id:String}"
               " GROUP BY status").result_rows
    write_errors = q("SELECT call_id, entity_type, entity_id, status, error, updated_at FROM crm_deliveries FINAL"
                     " WHERE member_id = {member_id:String} AND (status = 'failed' OR error != '')"
                     " ORDER BY updated_at DESC LIMIT {limit:UInt32}").named_results()
    return {
        "events": {"received": sum(n for _, n, _ in events),
                   "by_event": [{"event": e, "count": n, "last_received_at": _iso(at)} for e, n, at in events]},
        "calls": [{"stage": s, "status": st, "calls": n} for (s, st), n in sorted(counts.items())],
        "recent_calls": [{"call_id": r["call_id"], "stage": r["stage"], "status": r["status"],
                          "reason": r["reason"] or None, "updated_at": _iso(r["updated_at"])}
                         for r in latest[:limit]],
        "failures": [{**f, "failed_at": _iso(f["failed_at"])} for f in failures],
        "crm_writes": {"by_status": {s: n for s, n in writes},
                       "errors": [{**w, "updated_at": _iso(w["updated_at"])} for w in write_errors]},
    }


class CallStore:
    """Async face for the dashboard: every query runs on the executor that owns the client."""

    def __init__(self, client: Client, executor: Executor) -> None:
        self.client, self.executor = client, executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, self.client, *args)
