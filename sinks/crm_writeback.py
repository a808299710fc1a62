"""CRM sink: write a scored call's results into the UF_CRM_AICA_* fields of its contact and deal.

Idempotent on (call, entity, fingerprint of the values) through the `crm_deliveries` ledger:
a `pending` row is written before the REST call and `done` after it. A redelivered call whose
ledger says `done` is skipped; one left `pending` by a crash is checked against the portal
(values already there -> done, no second write)."""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import faust

from bitrix.client import MAX_BATCH, PortalRest
from bitrix.errors import BitrixError
from catalog.portal_settings import PortalProjectCatalogs
from schemas.registry import epoch_ms
from streams.partitioning import run_in_lanes
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import Consumed, Output, Reject, StageRunner
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



def version_key(scorecard_ref: str) -> str:
    """`support-en@12` -> a string that sorts versions numerically ("2" < "12"); an edit without a
    version bump (`1+<digest>`, catalog.versions) sorts after its base version; other versions
    sort as text after the numeric ones."""
    version, plus, edit = scorecard_ref.rpartition("@")[2].partition("+")
    parts = version.split(".")
    if all(part.isdigit() for part in parts):
        return ".".join(f"{int(part):06d}" for part in parts) + (f"+{edit}" if plus else "")
    return "~" + version + plus + edit


def call_order(score: dict) -> str:
    """Sorts like (call start, activity id, scorecard version): the CRM field of an entity shows its
    newest call under its newest scorecard, so a rescore of an old call (or under an older version)
    never overwrites it. Activity ids grow with time on a portal: the fallback when the start is
    unknown."""
    ctx = score["context"]
    return (f"{epoch_ms(ctx.get('started_at')):015d}.{int(ctx.get('activity_id') or 0):012d}."
            f"{version_key(score.get('scorecard', ''))}")


def already_applied(entity: dict, fields: dict[str, Any]) -> bool:
    """Bitrix24 returns values as strings; compare as strings."""
    return all(str(entity.get(name, "")) == str(value) for name, value in fields.items())


class CrmWriter:
    def __init__(self, rest: PortalRest, ledger: WriteLedger, catalog: PortalProjectCatalogs) -> None:
        self.rest, self.ledger, self.catalog = rest, ledger, catalog

    async def handle(self, score: dict, message: Consumed) -> list[Output]:
        ctx = score["context"]
        member_id, call_id = ctx["member_id"], ctx["call_id"]
        # The portal's own projects (dashboard settings) decide which fields, under which names.
        project = self.catalog.for_portal(member_id).projects.get(ctx["project"])
        if project is None:
            raise Reject(f"project {ctx['project']!r} no longer configured")
        order = call_order(score)
        updates = []
        for update in crm_updates(score, project):
            newest = await self.ledger.newest(member_id, update.entity_type, update.entity_id)
            if newest is not None and newest > order:
                log.info("crm: call=%s not written to %s %s: it holds a newer call or scorecard version",
                         call_id, update.entity_type, update.entity_id)
                continue
            updates.append(update)
        await self.apply(member_id, call_id, updates, project, order)
        return []

    async def apply(self, member_id: str, call_id: str, updates: list[CrmUpdate], project: Any,
                    order: str = "") -> None:
        """All of a call's entity writes in one `batch` request, each followed by a read-back."""
        todo = []
        for update in updates:
            key = (member_id, call_id, update.entity_type, update.entity_id, fingerprint(call_id, update))
            status = await self.ledger.status(*key)
            if status == "done":
                continue
            if status == "pending":  # a crash after the write? then it is there: don't write twice
                current = await self.rest.call(member_id, f"crm.{update.entity_type}.get", {"id": update.entity_id})
                if current and already_applied(current, update.fields):
                    await self.ledger.mark(*key, "done", update.fields, call_order=order)
                    continue
            todo.append((key, update))
        for key, update in todo:
            await self.ledger.mark(*key, "pending", update.fields, call_order=order)
        try:
            outcomes = await write_with_readback(self.rest, member_id, [u for _, u in todo])
        except BitrixError as error:  # the whole request refused (e.g. a deleted webhook): say why
            if not error.transient:
                for key, update in todo:
                    await self.ledger.mark(*key, "failed", update.fields,
                                           error=f"{type(error).__name__}: {error}"[:500], call_order=order)
            raise
        missing = {i: names for i, (names, error) in enumerate(outcomes) if names and error is None}
        if missing:  # deleted on the portal: recreate, then write those entities once more
            await recreate_fields(self.rest, member_id, project, [(todo[i][1], names) for i, names in missing.items()])
            again = await write_with_readback(self.rest, member_id, [todo[i][1] for i in missing])
            for i, outcome in zip(missing, again):
                outcomes[i] = outcome
        for (key, update), (names, error) in zip(todo, outcomes):
            if error is None and not names:
                await self.ledger.mark(*key, "done", update.fields, call_order=order)
                log.info("crm: call=%s wrote %d fields to %s %s", call_id, len(update.fields),
                         update.entity_type, update.entity_id)
        for (key, update), (names, error) in zip(todo, outcomes):
            if error is not None:  # kept for the delivery-status view; a retry may still succeed
                await self.ledger.mark(*key, "failed", update.fields, error=f"{type(error).__name__}: {error}"[:500],
                                       call_order=order)
        for (key, update), (names, error) in zip(todo, outcomes):
            if error is not None:
                raise error
            if names:
                raise Reject(f"{update.entity_type} {update.entity_id}: fields {names} still missing "
                             "after recreating them")


READBACK_PREFIX = "r"


async def write_with_readback(rest: PortalRest, member_id: str, updates: list[CrmUpdate]
                              ) -> list[tuple[list[str], BaseException | None]]:
    """Per update: (field names missing from the entity read back after the write, error).
    Bitrix24 silently drops an update's unknown fields, so a field deleted on the portal shows
    only as its absence from crm.*.get; reading back inside the same batch costs no request."""
    outcomes: list[tuple[list[str], BaseException | None]] = []
    for start in range(0, len(updates), MAX_BATCH // 2):
        chunk = updates[start:start + MAX_BATCH // 2]
        cmds: dict[str, tuple[str, dict[str, Any]]] = {}
        for i, update in enumerate(chunk):
            cmds[f"w{i}"] = (update.method, {
                "id": update.entity_id, "fields": update.fields,
                # Our write is not a user action: keep it out of the live feed and history noise.
                "params": {"REGISTER_SONET_EVENT": "N", "REGISTER_HISTORY_EVENT": "N"}})
            cmds[f"{READBACK_PREFIX}{i}"] = (f"crm.{update.entity_type}.get", {"id": update.entity_id})
        results, errors = await rest.batch(member_id, cmds)
        for i, update in enumerate(chunk):
            error = errors.get(f"w{i}") or errors.get(f"{READBACK_PREFIX}{i}")
            entity = results.get(f"{READBACK_PREFIX}{i}")
            missing = [] if error is not None or not isinstance(entity, dict) else [
                name for name in update.fields if name not in entity]
            outcomes.append((missing, error))
    return outcomes


async def recreate_fields(rest: PortalRest, member_id: str, project: Any,
                          missing: list[tuple[CrmUpdate, list[str]]]) -> None:
    """ensure_fields for the missing ones; a portal that refuses is a permanent failure."""
    from bitrix.errors import BitrixError
    from bitrix.fields import ensure_fields
    key_of = {name: key for key, name in project.crm_fields.enabled_fields().items()}
    wanted: dict[str, dict[str, str]] = {}
    for update, names in missing:
        wanted.setdefault(update.entity_type, {}).update({n: key_of[n] for n in names if n in key_of})
    log.warning("crm: portal %s lost fields %s; recreating them", member_id, wanted)
    try:
        await ensure_fields(rest, member_id, wanted)
    except BitrixError as exc:
        if exc.transient:
            raise
        raise Reject(f"CRM fields {wanted} were deleted on the portal and could not be recreated: "
                     f"{exc}") from exc


class WriteLedger(Protocol):
    """The CRM write ledger (warehouse.crm_ledger.CrmWriteLedger in production)."""

    async def status(self, member_id: str, call_id: str, entity_type: str, entity_id: int,
                     fingerprint: str) -> str | None: ...

    async def mark(self, member_id: str, call_id: str, entity_type: str, entity_id: int, fingerprint: str,
                   status: str, fields: dict, error: str = "", call_order: str = "") -> None: ...

    async def newest(self, member_id: str, entity_type: str, entity_id: int) -> str | None:
        """The call_order of the newest write done into this entity."""


SPEC = StageSpec("crm", "sinks.crm_writeback", {Topic.SCORED: "aica.CallScore"})


def register(app: faust.App, settings: Settings, writer: CrmWriter) -> None:
    runner = StageRunner(app, settings, SPEC)

    @app.agent(runner.source(), name="crm-writeback")
    async def write_back(stream: faust.StreamT) -> None:
        # One lane per portal: a slow or failing portal does not hold the others (streams.partitioning).
        await run_in_lanes(runner, writer.handle).run(stream)
