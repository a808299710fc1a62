"""The entity -> call index (call_entities, warehouse.schema.CALL_ENTITIES_DDL) as the read model
uses it: which calls to read for one CRM entity, instead of scanning the portal for the binding."""
from __future__ import annotations

from datetime import date
from typing import Any

from clickhouse_connect.driver.client import Client

from warehouse.connection import table as _table

_LISTED_IDS_MAX = 10_000  # beyond: the index as a subquery, not a list that size in the request
_RAW_ROWS_MAX = 2_000  # index rows newest_call_days groups in Python (an entity's are a few dozen)
# Reads of one entity's index range or of a few dozen calls by key run on one thread: their work is
# a few hundred small blocks, and on two shared cores the query threads' start-up and hand-offs
# cost more than they save (10 M calls: entity_calls ~15 % less CPU). Never on a portal-wide read.
BY_KEY = " SETTINGS max_threads = 1"


def _index_query(table: str, dated: bool) -> str:
    days = " AND day BETWEEN {since:Date} AND {until:Date}" if dated else ""
    return (f"SELECT DISTINCT call_id FROM {table} WHERE member_id = {{member_id:String}}"
            f" AND entity_type = {{entity_type:String}} AND entity_id = {{entity_id:UInt64}}{days}")


def entity_calls_filter(client: Client, member_id: str, entity_type: str, entity_id: int, *,
                        since: date | None = None, until: date | None = None,
                        database: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """(` AND call_id IN (...)`, its parameters), or None when the entity has no calls. The ids
    come from call_entities (warehouse.schema.CALL_ENTITIES_DDL, dated since..until when given):
    every call ever bound to the entity, a superset of those whose newest row binds it, so a
    query that still checks the binding answers the same with this filter, reading only those
    calls by primary key. The ids themselves (one index read per request) unless there are more
    than _LISTED_IDS_MAX; then the index as a subquery."""
    index = _index_query(_table(client, "call_entities", database), since is not None)
    params = {"member_id": member_id, "entity_type": entity_type, "entity_id": entity_id,
              "since": since, "until": until}
    ids = [call_id for (call_id,) in client.query(f"{index} LIMIT {_LISTED_IDS_MAX + 1}{BY_KEY}",
                                                  parameters=params).result_rows]
    if not ids:
        return None
    if len(ids) <= _LISTED_IDS_MAX:
        return " AND call_id IN {call_ids:Array(String)}", {"call_ids": ids}
    return f" AND call_id IN ({index})", params


def newest_call_days(client: Client, member_id: str, entity_type: str, entity_id: int, *,
                     database: str | None = None) -> list[tuple[str, date]] | None:
    """Every call of the entity with its latest index day, latest first (a call with a row
    without start time first of all: warehouse.rows.NO_START_DAY), or None when there are more than
    _LISTED_IDS_MAX. The index rows as stored, grouped here: a GROUP BY / ORDER BY costs more to
    plan on chdb (~1 ms) than grouping an entity's few dozen rows in Python; past _RAW_ROWS_MAX
    rows (a busy entity, or many not yet merged), the grouping query."""
    params = {"member_id": member_id, "entity_type": entity_type, "entity_id": entity_id}
    where = (f" FROM {_table(client, 'call_entities', database)} WHERE member_id = {{member_id:String}}"
             " AND entity_type = {entity_type:String} AND entity_id = {entity_id:UInt64}")
    rows = client.query(f"SELECT call_id, day{where} LIMIT {_RAW_ROWS_MAX}{BY_KEY}", parameters=params).result_rows
    if len(rows) < _RAW_ROWS_MAX:
        last: dict[str, date] = {}
        for call_id, day in rows:
            if day > last.get(call_id, date.min):
                last[call_id] = day
        days = sorted(sorted(last.items()), key=lambda item: item[1], reverse=True)
    else:
        days = client.query(f"SELECT call_id, max(day) AS last{where} GROUP BY call_id ORDER BY last DESC, call_id"
                            f" LIMIT {_LISTED_IDS_MAX + 1}{BY_KEY}", parameters=params).result_rows
    return None if len(days) > _LISTED_IDS_MAX else [(call_id, last) for call_id, last in days]


def newest_ids(call_days: list[tuple[str, date]], count: int) -> tuple[list[str], date | None]:
    """(ids, cut): the `count` latest of newest_call_days' calls and the rest of the last day
    taken, so every call not taken has all its index days before `cut`; cut None: all taken."""
    cut = call_days[min(count, len(call_days)) - 1][1]
    ids = [call_id for call_id, last in call_days if last >= cut]
    return ids, (cut if len(ids) < len(call_days) else None)
