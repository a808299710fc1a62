"""Uninstall, in the worker (docs/bitrix24-api.md §1.5): the gateway has verified ONAPPUNINSTALL by its
application_token and published it on `b24.events.v1`; the ingest agent hands it here. The
portal's tokens are deleted and it is marked uninstalled (through the token agent, the single
writer), so every stage stops calling it and the gateway refuses its events; unless it was sent
before the portal's latest install (Portal.installed_at), which it must not undo. With CLEAN=1 its
data goes too: its data keys are deleted (streams.portal_keys), which shreds every sealed record of
it still on Kafka (calls.redacted.v1 is kept forever; streams.sealing), then every ClickHouse row
with its member_id and its recordings in the blob store."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from blobs.store import LocalBlobStore
from bitrix.oauth import TokenKeeper
from warehouse.schema import TABLE_DDL, quoted_identifier

log = logging.getLogger(__name__)
UNINSTALL = "ONAPPUNINSTALL"


def purge_statements(database: str) -> list[str]:
    """One DELETE per table; every table's key starts with member_id, so each is a cheap mutation."""
    db = quoted_identifier(database)
    return [f"ALTER TABLE {db}.{table} DELETE WHERE member_id = {{member_id:String}}" for table in TABLE_DDL]


def purge_portal_rows(client: Any, database: str, member_id: str) -> None:
    """Synchronous (clickhouse-connect); waits for the mutations so "purged" means gone."""
    for statement in purge_statements(database):
        client.command(statement, parameters={"member_id": member_id}, settings={"mutations_sync": 2})


def sent_at(event: dict) -> float | None:
    """When the uninstall was sent, in unix seconds: the earlier of the portal's own queue time
    (`ts`) and our receipt, so neither a redelivery by the portal nor one by Kafka looks new."""
    # ts is whole seconds: its second's end, so an uninstall in the same second as an install counts.
    times = [float(event["ts"]) + 1] if event.get("ts") else []
    received = event.get("received_at")
    if received is not None:
        times.append(received.timestamp() if hasattr(received, "timestamp") else received / 1000)
    return min(times) if times else None


class Lifecycle:
    def __init__(self, tokens: TokenKeeper, blobs: LocalBlobStore,
                 purge_rows: Callable[[str], Awaitable[None]],
                 shred_keys: Callable[[str], Awaitable[int]] | None = None) -> None:
        self.tokens, self.blobs, self.purge_rows = tokens, blobs, purge_rows
        self.shred_keys = shred_keys

    async def handle(self, event: dict) -> None:
        """Other lifecycle events need nothing from the worker."""
        if event["event"] != UNINSTALL:
            return
        member_id = event["member_id"]
        portal = await self.tokens.uninstall(member_id, sent_at(event))
        if portal is not None and portal.status != "uninstalled":
            # Sent before the portal's latest install (a redelivery, or queued across a reinstall).
            log.info("lifecycle: uninstall of portal %s predates its reinstall; ignored", member_id)
            return
        log.info("lifecycle: portal %s uninstalled, tokens deleted", member_id)
        if event.get("clean"):
            # Keys first: the one step that reaches the copies on Kafka. A crash after it
            # redelivers the event, and every step here is idempotent.
            if self.shred_keys is not None:
                await self.shred_keys(member_id)
            await self.purge_rows(member_id)
            await asyncio.to_thread(self.blobs.purge_portal, member_id)
            log.info("lifecycle: portal %s data purged (CLEAN=1)", member_id)
