"""The call list's reads of a few dozen calls by key, with the aggregation done here instead of in
ClickHouse: the newest status of each call (as call_listing._LATEST_STATUS's argMax / argMaxIf)
and the newest score row of each (call, scorecard) (as `calls FINAL`), then the binding check, the
order and the limit of the SQL reads they replace. Why: on chdb, planning a query with a dozen
aggregates, FINAL and ORDER BY costs ~3-4 ms of CPU before a row is read (more than reading
the rows of 20 calls), and these reads see only a few rows per call."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clickhouse_connect.driver.client import Client

from warehouse.entity_index import BY_KEY

META = ("activity_id", "started_at", "direction", "responsible_id", "duration_s",
        "contact_ids", "deal_ids", "lead_ids", "company_ids")
# argMaxIf skips NULL arguments, so a Nullable column keeps the newest non-NULL value; a column
# no context row has takes its type's default.
_NULLABLE = frozenset({"started_at", "responsible_id", "duration_s"})
_DEFAULT: dict[str, Any] = {"activity_id": 0, "direction": ""} | {c: None for c in _NULLABLE}
_STATUS_COLUMNS = ("call_id", "status", "reason", "updated_at", "has_context", *META)
_SCORE_COLUMNS = ("call_id", "scorecard", "started_at", "score", "outcome", "scored_at")
_IDS = " AND call_id IN {call_ids:Array(String)}"


def _first_max(rows: Iterable[dict], key) -> dict | None:
    """The first row with the greatest key (argMax keeps the first of equal maxima)."""
    best = None
    for row in rows:
        if best is None or key(row) > key(best):
            best = row
    return best


def latest_status(rows: list[dict]) -> dict:
    """One call's status rows -> its row as _LATEST_STATUS gives it (status_, m_ prefixes dropped)."""
    newest = _first_max(rows, lambda r: (r["updated_at"], r["status"] != "processing"))
    out = {"call_id": newest["call_id"], "status": newest["status"], "reason": newest["reason"],
           "updated_at": max(r["updated_at"] for r in rows)}
    with_context = [r for r in rows if r["has_context"]]
    for column in META:
        candidates = [r for r in with_context if r[column] is not None] if column in _NULLABLE else with_context
        source = _first_max(candidates, lambda r: r["updated_at"])
        out[column] = source[column] if source is not None else _DEFAULT.get(column, [])
    return out


def _newest_first(rows: list[dict], at: str, limit: int, *, then_at: bool = False) -> list[dict]:
    """ORDER BY coalesce(started_at, `at`) DESC[, `at` DESC], call_id LIMIT `limit`."""
    rows = sorted(rows, key=lambda r: r["call_id"])
    rows.sort(key=lambda r: (r["started_at"] or r[at], r[at]) if then_at else r["started_at"] or r[at], reverse=True)
    return rows[:limit]


def listed_statuses(client: Client, member_id: str, column: str, entity_id: int, call_ids: list[str],
                    limit: int) -> list[dict]:
    """call_listing._status_rows over `call_ids` with HAVING has(m_`column`, entity_id)."""
    result = client.query(f"SELECT {', '.join(_STATUS_COLUMNS)} FROM call_status WHERE member_id = {{member_id:String}}"
                          f"{_IDS}{BY_KEY}", parameters={"member_id": member_id, "call_ids": call_ids})
    by_call: dict[str, list[dict]] = {}
    for values in result.result_rows:
        by_call.setdefault(values[0], []).append(dict(zip(_STATUS_COLUMNS, values)))
    latest = [latest_status(rows) for rows in by_call.values()]
    return _newest_first([r for r in latest if entity_id in r[column]], "updated_at", limit)


def listed_scores(client: Client, member_id: str, column: str, entity_id: int, call_ids: list[str],
                  limit: int) -> list[dict]:
    """call_listing._scored_query over `call_ids` with has(`column`, entity_id), _SCORE_ONLY's
    columns. FINAL keeps a key's row with the newest scored_at, of equal ones the last inserted:
    here the newest (scored_at, inserted_at), of equal ones the last read."""
    columns = (*_SCORE_COLUMNS, column, "inserted_at")
    result = client.query(f"SELECT {', '.join(columns)} FROM calls WHERE member_id = {{member_id:String}}{_IDS}{BY_KEY}",
                          parameters={"member_id": member_id, "call_ids": call_ids})
    final: dict[tuple[str, str], tuple] = {}
    for values in result.result_rows:
        key, kept = (values[0], values[1]), final.get((values[0], values[1]))
        if kept is None or (values[5], values[7]) >= (kept[5], kept[7]):
            final[key] = values
    bound = [dict(zip(_SCORE_COLUMNS, values)) for values in final.values() if entity_id in values[6]]
    return _newest_first(bound, "scored_at", limit, then_at=True)
