"""A CRM entity's call list and the status / score rows the call views share: the newest status
of a call (argMax over call_status) and its newest score rows (calls FINAL), merged as the widget
lists a call. Split from warehouse.read_model, which re-exports these names."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from clickhouse_connect.driver.client import Client

from warehouse.entity_index import BY_KEY, entity_calls_filter, newest_call_days, newest_ids
from warehouse.newest_rows import META as _META
from warehouse.newest_rows import listed_rows
from warehouse.rows import BINDING_COLUMNS, as_utc

# The newest status wins; at the same millisecond an outcome beats "processing".
_NEWEST = "(updated_at, status != 'processing')"
_LATEST_STATUS = (
    f"SELECT call_id, argMax(status, {_NEWEST}) AS s_status, argMax(stage, {_NEWEST}) AS s_stage,"
    f" argMax(reason, {_NEWEST}) AS s_reason, max(updated_at) AS s_updated_at, "
    + ", ".join(f"argMaxIf({c}, updated_at, has_context) AS m_{c}" for c in _META)
    + " FROM call_status WHERE member_id = {member_id:String}")


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _status_rows(client: Client, member_id: str, where: str, having: str, params: dict, limit: int,
                 by_key: str = "") -> list[dict]:
    """`by_key`: a filter on call_id that picks a few calls (then one thread, BY_KEY), or ""."""
    sql = (f"{_LATEST_STATUS}{by_key}{where} GROUP BY call_id{having}"
           " ORDER BY coalesce(m_started_at, s_updated_at) DESC, call_id LIMIT {limit:UInt32}"
           + (BY_KEY if by_key else ""))
    rows = client.query(sql, parameters={"member_id": member_id, "limit": limit, **params}).named_results()
    return [{**{k[2:]: v for k, v in r.items() if k.startswith(("s_", "m_"))}, "call_id": r["call_id"]}
            for r in rows]


_LISTED = ("call_id, scorecard, activity_id, started_at, direction, responsible_id, duration_s, score, outcome,"
           " contact_ids, deal_ids, lead_ids, company_ids, scored_at")
_DETAILED = _LISTED + ", compliance, summary, improvements"
# What a list reads of the scored rows: merge_call takes the metadata from the status whenever it
# has it (nearly always), so the other _LISTED columns are read after, for the few calls whose
# status has none (_with_metadata). Each column read costs a block per call and part.
_SCORE_ONLY = "call_id, scorecard, started_at, score, outcome, scored_at"
_IN_IDS = " AND call_id IN {call_ids:Array(String)}"


def _scored_query(client: Client, member_id: str, where: str, params: dict, limit: int,
                  columns: str = _DETAILED, by_key: str = "") -> list[dict]:
    """The newest `limit` calls rows (a rescored call has a row per scorecard), newest first (by
    call id at the same time, so which rows make the limit does not depend on the read order).
    `by_key`: a filter on call_id that picks a few calls, or "": it goes to PREWHERE, which
    under FINAL filters before the rows are merged; exact, since rows that replace one another
    share their key columns, and the other columns of a part are then read only where the calls
    are (a call sits in one or two of the table's parts, the key ranges of all of them match)."""
    keys = f"PREWHERE member_id = {{member_id:String}}{by_key} WHERE 1" if by_key else "WHERE member_id = {member_id:String}"
    sql = (f"SELECT {columns} FROM calls FINAL {keys}{where}"
           " ORDER BY coalesce(started_at, scored_at) DESC, scored_at DESC, call_id LIMIT {limit:UInt32}"
           + (BY_KEY if by_key else ""))
    return list(client.query(sql, parameters={"member_id": member_id, "limit": limit, **params}).named_results())


def _newest_per_call(rows: list[dict]) -> list[dict]:
    latest: dict[str, dict] = {}
    for row in rows:  # a rescored call has a row per scorecard: the newest score wins
        if row["call_id"] not in latest or row["scored_at"] > latest[row["call_id"]]["scored_at"]:
            latest[row["call_id"]] = row
    return list(latest.values())


def _with_metadata(client: Client, member_id: str, calls: list[dict], statuses: Mapping[str, Mapping[str, Any]],
                   scored: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """`calls` (merged from rows of _SCORE_ONLY), merged again with the score row's _LISTED
    columns where merge_call takes the metadata from it: a scored call with no status, or with a
    status without an activity id (context). The start time is in _SCORE_ONLY, so the order holds."""
    bare = [c["call_id"] for c in calls
            if c["call_id"] in scored and not (statuses.get(c["call_id"]) or {}).get("activity_id")]
    if not bare:
        return calls
    full = {(r["call_id"], r["scorecard"]): r for r in _scored_query(
        client, member_id, "", {"call_ids": bare}, 1000 * len(bare), _LISTED, by_key=_IN_IDS)}
    rows = {c: full.get((c, scored[c]["scorecard"]), scored[c]) for c in bare}
    return [merge_call(statuses.get(c["call_id"]), rows[c["call_id"]]) if c["call_id"] in rows else c for c in calls]


def _scored_rows(client: Client, member_id: str, where: str, params: dict, limit: int,
                 columns: str = _DETAILED) -> list[dict]:
    """The newest of each call's rows among _scored_query's (the frozen scans in bench use it)."""
    return _newest_per_call(_scored_query(client, member_id, where, params, limit, columns))


def merge_call(status: Mapping[str, Any] | None, scored: Mapping[str, Any] | None) -> dict[str, Any]:
    """One call as the widget lists it: metadata from whichever record has it, the score from the
    scored row, the status from the newest status (a scored call with no status row is done)."""
    meta = scored if scored is not None and (status is None or not status.get("activity_id")) else status
    state = status["status"] if status else "done"
    return {
        "call_id": (status or scored)["call_id"], "activity_id": int(meta.get("activity_id") or 0) or None,
        "started_at": _iso(meta.get("started_at")), "direction": meta.get("direction") or "unknown",
        "responsible_id": meta.get("responsible_id"), "duration_s": meta.get("duration_s"),
        "score": scored["score"] if scored else None, "outcome": scored["outcome"] if scored else None,
        "status": state, "reason": (status.get("reason") or None) if status and state in ("failed", "skipped") else None,
        "bindings": {kind: list(meta.get(col) or []) for kind, col in BINDING_COLUMNS.items()},
    }


def _sort_key(call: Mapping[str, Any]) -> str:
    return call["started_at"] or ""


def _listing_rows(client: Client, member_id: str, column: str, entity_id: int, in_calls: tuple[str, dict],
                  limit: int) -> tuple[list[dict], list[dict]]:
    """(status rows, score rows) as _status_rows and _scored_query (_SCORE_ONLY) return them for
    the entity's calls: listed ids (a few dozen) read as stored and merged in Python
    (warehouse.newest_rows: cheaper to plan), the index as a subquery in those SQL reads."""
    if in_calls[0] == _IN_IDS:
        return listed_rows(client, member_id, column, entity_id, in_calls[1]["call_ids"], limit)
    params = {"entity_id": entity_id, **in_calls[1]}
    return (_status_rows(client, member_id, in_calls[0], f" HAVING has(m_{column}, {{entity_id:UInt64}})", params, limit),
            _scored_query(client, member_id, f"{in_calls[0]} AND has({column}, {{entity_id:UInt64}})", params, limit,
                          _SCORE_ONLY))


def entity_calls(client: Client, member_id: str, entity_type: str, entity_id: int, limit: int) -> list[dict]:
    """The calls bound to one CRM entity of one portal, newest first. Reads the newest few of the
    entity's calls by their index day (entity_index.newest_ids), and more only when that cannot
    be the whole answer (`_complete`): the answer of a read over all of them."""
    column = BINDING_COLUMNS[entity_type]
    call_days = newest_call_days(client, member_id, entity_type, entity_id)
    if call_days == []:
        return []
    # A margin of 2 beyond the limit: a listed call that fails the binding check (a newer version
    # dropped it) costs a second read only past two such calls; each call read costs ~0.5 ms of CPU.
    wanted = limit + 2
    while True:
        ids, cut = newest_ids(call_days, wanted) if call_days else (None, None)
        in_calls = (entity_calls_filter(client, member_id, entity_type, entity_id) if ids is None
                    else (_IN_IDS, {"call_ids": ids}))
        if in_calls is None:
            return []
        statuses, scored = _listing_rows(client, member_id, column, entity_id, in_calls, limit)
        if cut is None or (_complete(statuses, limit, "updated_at", cut) and _complete(scored, limit, "scored_at", cut)):
            break
        wanted *= 2
    by_status = {r["call_id"]: r for r in statuses}
    by_score = {r["call_id"]: r for r in _newest_per_call(scored)}
    # By call id first, so that calls at the same time come in the order the queries cut them
    # (ascending id), not in set order, which differs between processes.
    calls = [merge_call(by_status.get(c), by_score.get(c)) for c in sorted(by_status.keys() | by_score.keys())]
    return _with_metadata(client, member_id, sorted(calls, key=_sort_key, reverse=True)[:limit], by_status, by_score)


def _complete(rows: list[dict], limit: int, at: str, cut: date) -> bool:
    """Whether a newest-`limit` read over the calls indexed on `cut` or later is the read over all
    of the entity's calls: it filled `limit` and its last row is dated `cut` or later. A call not
    read has every index day before `cut`, and its rows are dated by one of those days
    (coalesce(started_at, `at`); one without a start time is always read: NO_START_DAY)."""
    return len(rows) == limit and (not rows or as_utc(rows[-1]["started_at"] or rows[-1][at]).date() >= cut)
