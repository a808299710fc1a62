"""CRM sink: write a scored call's results into the UF_CRM_AICA_* fields of its contact and deal.

Idempotent on (call, entity, fingerprint of the values) through the `crm_deliveries` ledger:
a `pending` row is written before the REST call and `done` after it. A redelivered call whose
ledger says `done` is skipped; one left `pending` by a crash is checked against the portal
(values already there -> done, no second write)."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import faust

from streams.settings import Settings
from streams.stage import Delivery, Output, Reject, StageRunner
from streams.topics import Topic

log = logging.getLogger(__name__)

COMPLIANCE_LABELS = {"pass": "pass", "fail": "fail", "na": "n/a"}


@dataclass(frozen=True)
class CrmUpdate:
    entity_type: str  # contact | deal
    entity_id: int
    fields: dict[str, Any]

    @property
    def method(self) -> str:
        return f"crm.{self.entity_type}.update"


def field_values(score: dict) -> dict[str, Any]:
    """Logical field -> value; the project's field map names the physical UF_CRM_* field."""
    return {
        "quality": score["score"],
        "summary": score["summary"],
        "improvements": "\n".join(f"- {line}" for line in score["improvements"]),
        "compliance": COMPLIANCE_LABELS[score["compliance"]],
    }


def crm_updates(score: dict, project: Any) -> list[CrmUpdate]:
    values = field_values(score)
    fields = {name: values[key] for key, name in project.crm_fields.enabled_fields().items()
              if key in values}
    if not fields:
        return []
    return [CrmUpdate(b["entity_type"], b["entity_id"], fields)
            for b in score["context"]["bindings"] if b["entity_type"] in project.write_to]


def fingerprint(call_id: str, update: CrmUpdate) -> str:
    blob = json.dumps([call_id, update.entity_type, update.entity_id, update.fields], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def already_applied(entity: dict, fields: dict[str, Any]) -> bool:
    """Bitrix24 returns values as strings; compare as strings."""
    return all(str(entity.get(name, "")) == str(value) for name, value in fields.items())


class CrmWriter:
    def __init__(self, rest: Any, ledger: Any, catalog: Any) -> None:
        self.rest, self.ledger, self.catalog = rest, ledger, catalog

    async def handle(self, score: dict, delivery: Delivery) -> list[Output]:
        ctx = score["context"]
        member_id, call_id = ctx["member_id"], ctx["call_id"]
        project = self.catalog.projects.get(ctx["project"])
        if project is None:
            raise Reject(f"project {ctx['project']!r} no longer configured")
        for update in crm_updates(score, project):
            await self.apply(member_id, call_id, update)
        return []

    async def apply(self, member_id: str, call_id: str, update: CrmUpdate) -> None:
        key = (member_id, call_id, update.entity_type, update.entity_id, fingerprint(call_id, update))
        status = await self.ledger.status(*key)
        if status == "done":
            return
        if status == "pending":
            current = await self.rest.call(member_id, f"crm.{update.entity_type}.get", {"id": update.entity_id})
            if current and already_applied(current, update.fields):
                await self.ledger.mark(*key, "done", update.fields)
                return
        await self.ledger.mark(*key, "pending", update.fields)
        await self.rest.call(member_id, update.method, {
            "id": update.entity_id, "fields": update.fields,
            # Our write is not a user action: keep it out of the live feed and history noise.
            "params": {"REGISTER_SONET_EVENT": "N", "REGISTER_HISTORY_EVENT": "N"},
        })
        await self.ledger.mark(*key, "done", update.fields)
        log.info("crm: call=%s wrote %d fields to %s %s", call_id, len(update.fields),
                 update.entity_type, update.entity_id)


class Ledger:
    """Async face of the ClickHouse ledger (clickhouse-connect is sync; one thread owns it)."""

    def __init__(self, client: Any, executor: Executor) -> None:
        self.client, self.executor = client, executor

    async def status(self, *key: Any) -> str | None:
        from sinks.clickhouse_metrics import ledger_status
        return await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: ledger_status(self.client, *key))

    async def mark(self, *args: Any) -> None:
        from sinks.clickhouse_metrics import ledger_mark
        *key, status, fields = args
        await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: ledger_mark(self.client, *key, status, fields_json=json.dumps(fields)))


def register(app: faust.App, settings: Settings, writer: CrmWriter) -> None:
    runner = StageRunner(app, settings, "crm", "aica.CallScore")

    @app.agent(app.topic(settings.topic(Topic.SCORED)), name="crm-writeback")
    async def write_back(stream: faust.StreamT) -> None:
        await runner.run(stream, writer.handle)
