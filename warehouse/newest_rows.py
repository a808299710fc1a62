"""The call list's reads of a few dozen calls by key, with the aggregation done here instead of in
ClickHouse: the newest status of each call (as call_listing._LATEST_STATUS's argMax / argMaxIf)
and the newest score row of each (call, scorecard) (as `calls FINAL`), then the binding check, the
order and the limit of the SQL reads they replace. Why: on chdb, planning a query with a dozen
aggregates, FINAL and ORDER BY costs ~3-4 ms of CPU before a row is read (more than reading
the rows of 20 calls), and these reads see only a few rows per call."""
from __future__ import annotations

from typing import Any

from clickhouse_connect.driver.client import Client

from warehouse.entity_index import BY_KEY

META = ("activity_id", "started_at", "direction", "responsible_id", "duration_s",
        "contact_ids", "deal_ids", "lead_ids", "company_ids")
# argMaxIf skips NULL arguments, so a Nullable column keeps the newest non-NULL value; a column
# no context row has takes its type's default.
_NULLABLE = frozenset({"started_at", "responsible_id", "duration_s"})
_DEFAULT: dict[str, Any] = {"activity_id": 0, "direction": ""} | {c: None for c in _NULLABLE}
# The list's one read: status rows (kind 1) and score rows (kind 2) of the listed calls, in one
# UNION ALL (a statement fewer: ~1.5 ms of CPU). A score row's `at` is scored_at, its `tie`
# inserted_at, `a` / `b` scorecard / outcome (status / reason for a status row).
_BINDINGS = ("contact_ids", "deal_ids", "lead_ids", "company_ids")
_ROW = ("kind", "call_id", "started_at", "at", "tie", "a", "b", "has_context", "activity_id", "direction",
        "responsible_id", "duration_s", "score", *_BINDINGS)


def latest_status(rows: list[dict]) -> dict:
    """One call's status rows -> its row as _LATEST_STATUS gives it (status_, m_ prefixes dropped)."""
    # max() keeps the first of equal maxima, as argMax does.
    newest = max(rows, key=lambda r: (r["updated_at"], r["status"] != "processing"))
    out = {"call_id": newest["call_id"], "status": newest["status"], "reason": newest["reason"],
           "updated_at": max(r["updated_at"] for r in rows)}
    with_context = [r for r in rows if r["has_context"]]
    for column in META:
        candidates = [r for r in with_context if r[column] is not None] if column in _NULLABLE else with_context
        source = max(candidates, key=lambda r: r["updated_at"], default=None)
        out[column] = source[column] if source is not None else _DEFAULT.get(column, [])
    return out


def _newest_first(rows: list[dict], at: str, limit: int, *, then_at: bool = False) -> list[dict]:
    """ORDER BY coalesce(started_at, `at`) DESC[, `at` DESC], call_id LIMIT `limit`."""
    rows = sorted(rows, key=lambda r: r["call_id"])
    rows.sort(key=lambda r: (r["started_at"] or r[at], r[at]) if then_at else r["started_at"] or r[at], reverse=True)
    return rows[:limit]


def _listed_query(column: str) -> str:
    ids = " WHERE member_id = {member_id:String} AND call_id IN {call_ids:Array(String)}"
    bound = ", ".join(c if c == column else "[]" for c in _BINDINGS)  # a score row: only its binding
    return ("SELECT 1 AS kind, call_id, started_at, updated_at AS at, updated_at AS tie, status AS a, reason AS b,"
            f" has_context, activity_id, direction, responsible_id, duration_s, 0 AS score, {', '.join(_BINDINGS)}"
            f" FROM call_status{ids} UNION ALL SELECT 2, call_id, started_at, scored_at, inserted_at, scorecard,"
            f" outcome, false, 0, '', NULL, NULL, score, {bound} FROM calls{ids}{BY_KEY}")


def listed_rows(client: Client, member_id: str, column: str, entity_id: int, call_ids: list[str],
                limit: int) -> tuple[list[dict], list[dict]]:
    """(call_listing._status_rows with HAVING has(m_`column`, entity_id), call_listing._scored_query
    with has(`column`, entity_id) and _SCORE_ONLY's columns) over `call_ids`, newest `limit` each.
    FINAL keeps a key's row with the newest scored_at, of equal ones the last inserted: here the
    newest (scored_at, inserted_at), of equal ones the last read."""
    statuses: dict[str, list[dict]] = {}
    final: dict[tuple[str, str], dict] = {}
    for values in client.query(_listed_query(column), parameters={"member_id": member_id, "call_ids": call_ids}).result_rows:
        row = dict(zip(_ROW, values))
        if row["kind"] == 1:
            statuses.setdefault(row["call_id"], []).append(
                row | {"status": row["a"], "reason": row["b"], "updated_at": row["at"]})
        elif (kept := final.get((row["call_id"], row["a"]))) is None or (row["at"], row["tie"]) >= (kept["at"], kept["tie"]):
            final[(row["call_id"], row["a"])] = row
    latest = [latest_status(rows) for rows in statuses.values()]
    scores = [{"call_id": r["call_id"], "scorecard": r["a"], "started_at": r["started_at"], "score": r["score"],
               "outcome": r["b"], "scored_at": r["at"]} for r in final.values() if entity_id in r[column]]
    return (_newest_first([r for r in latest if entity_id in r[column]], "updated_at", limit),
            _newest_first(scores, "scored_at", limit, then_at=True))
