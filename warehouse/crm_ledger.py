"""The CRM write ledger (table `crm_deliveries`): one row per attempted write of a call's results
to one CRM entity, `pending` before the REST call and `done` (or `failed`) after, so a redelivered
call whose write is done is skipped and one left pending by a crash is checked against the portal
first (sinks.crm_writeback). The newest row wins (ReplacingMergeTree by updated_at)."""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import Executor
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

from warehouse.connection import table as _table
from warehouse.rows import as_utc
from warehouse.schema import LEDGER_COLUMNS, LEDGER_STATUSES


def ledger_status(client: Client, member_id: str, call_id: str, entity_type: str, entity_id: int,
                  fingerprint: str, *, database: str | None = None) -> str | None:
    """The CRM sink's last recorded status for this exact write, or None if never attempted."""
    result = client.query(
        f"SELECT status FROM {_table(client, 'crm_deliveries', database)} FINAL"
        " WHERE member_id = {member_id:String} AND call_id = {call_id:String}"
        " AND entity_type = {entity_type:String} AND entity_id = {entity_id:UInt64}"
        " AND fingerprint = {fingerprint:String} LIMIT 1",
        parameters={"member_id": member_id, "call_id": call_id, "entity_type": entity_type,
                    "entity_id": entity_id, "fingerprint": fingerprint})
    return result.result_rows[0][0] if result.result_rows else None


def ledger_mark(client: Client, member_id: str, call_id: str, entity_type: str, entity_id: int,
                fingerprint: str, status: str, fields_json: str = "", error: str = "", *,
                updated_at: datetime | None = None, call_order: str = "", database: str | None = None) -> None:
    """Record the status of one CRM write; the row with the latest updated_at wins."""
    if status not in LEDGER_STATUSES:
        raise ValueError(f"ledger status must be one of {LEDGER_STATUSES}, not {status!r}")
    row = [member_id, call_id, entity_type, entity_id, fingerprint, status, fields_json, error,
           as_utc(updated_at) or datetime.now(UTC), call_order]
    database = database or client.database
    client.insert("crm_deliveries", [row], database=database, column_names=list(LEDGER_COLUMNS))


def newest_written(client: Client, member_id: str, entity_type: str, entity_id: int, *,
                   database: str | None = None) -> str | None:
    """The call_order of the newest call (and scorecard version) written into this entity."""
    result = client.query(
        f"SELECT max(call_order) FROM {_table(client, 'crm_deliveries', database)} FINAL"
        " WHERE member_id = {member_id:String} AND entity_type = {entity_type:String}"
        " AND entity_id = {entity_id:UInt64} AND status = 'done'",
        parameters={"member_id": member_id, "entity_type": entity_type, "entity_id": entity_id})
    newest = result.result_rows[0][0] if result.result_rows else ""
    return newest or None


class CrmWriteLedger:
    """Async face of the ledger for the CRM sink: clickhouse-connect is synchronous, and one thread
    owns the client (chdb is one connection per process)."""

    def __init__(self, client: Client, executor: Executor) -> None:
        self.client, self.executor = client, executor

    async def status(self, member_id: str, call_id: str, entity_type: str, entity_id: int,
                     fingerprint: str) -> str | None:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: ledger_status(self.client, member_id, call_id, entity_type, entity_id, fingerprint))

    async def mark(self, member_id: str, call_id: str, entity_type: str, entity_id: int, fingerprint: str,
                   status: str, fields: dict, error: str = "", call_order: str = "") -> None:
        await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: ledger_mark(self.client, member_id, call_id, entity_type, entity_id, fingerprint,
                                               status, fields_json=json.dumps(fields), error=error,
                                               call_order=call_order))

    async def newest(self, member_id: str, entity_type: str, entity_id: int) -> str | None:
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: newest_written(self.client, member_id, entity_type, entity_id))
