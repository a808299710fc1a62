"""Ingest: a Bitrix24 activity event becomes a call with its recording in the blob store.

The recording is usually attached after ONCRMACTIVITYADD (docs/bitrix24-api.md §3.1), so a call
without FILES is retried on the delay tiers; ONCRMACTIVITYUPDATE usually brings it sooner. A call
already ingested (ADD, UPDATE and reconciliation all name it) is dropped here."""
from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import faust

from agents.lifecycle import Lifecycle
from bitrix.client import PortalRest
from bitrix.portals import PortalDirectory
from blobs.store import LocalBlobStore
from catalog.portal_settings import PortalProjectCatalogs
from streams.settings import Settings
from streams.partitioning import run_in_lanes
from streams.spec import StageSpec
from streams.stage import Consumed, Output, Reject, Retry, StageRunner, now_ms
from streams.topics import Topic

log = logging.getLogger(__name__)

ACTIVITY_EVENTS = {"ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE"}
ENTITY_TYPES = {1: "lead", 2: "deal", 3: "contact", 4: "company"}
INGEST_VERSION = "1"


def call_id_for(member_id: str, activity_id: int) -> str:
    return f"{member_id}.{activity_id}"


def is_telephony_call(activity: dict) -> bool:
    """Telephony calls only: manually logged calls have no VI_ origin (docs/bitrix24-api.md §3.1)."""
    return str(activity.get("TYPE_ID")) == "2" and str(activity.get("ORIGIN_ID") or "").startswith("VI_")


def recording_file(activity: dict) -> dict | None:
    """FILES may be absent, null, a list, or a dict keyed "0" on real portals."""
    files: Any = activity.get("FILES")
    if isinstance(files, dict):
        files = list(files.values())
    if not isinstance(files, list):
        return None
    for item in files:
        if isinstance(item, dict) and item.get("url"):
            return item
    return None


def bindings_from(binding_rows: list[dict] | None, activity: dict) -> list[dict]:
    rows = binding_rows or [{"entityTypeId": activity.get("OWNER_TYPE_ID"),
                             "entityId": activity.get("OWNER_ID")}]
    out, seen = [], set()
    for row in rows:
        kind = ENTITY_TYPES.get(int(row.get("entityTypeId") or 0))
        entity_id = int(row.get("entityId") or 0)
        if kind and entity_id and (kind, entity_id) not in seen:
            seen.add((kind, entity_id))
            out.append({"entity_type": kind, "entity_id": entity_id})
    return out


def _parse_time(value: Any) -> int | None:
    try:
        return int(datetime.fromisoformat(str(value)).timestamp() * 1000)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class CallFacts:
    """What telephony statistics add: the line (project key), duration and whether it connected."""
    line: str | None
    duration_s: float | None
    failed: bool


def call_facts(stat_rows: list[dict] | None) -> CallFacts:
    if not stat_rows:
        return CallFacts(None, None, False)
    row = stat_rows[0]
    duration = float(row.get("CALL_DURATION") or 0)
    failed = str(row.get("CALL_FAILED_CODE") or "200") != "200" or duration == 0
    return CallFacts(row.get("PORTAL_NUMBER") or None, duration, failed)


def call_context(member_id: str, domain: str, activity: dict, facts: CallFacts,
                 bindings: list[dict], project: Any) -> dict:
    activity_id = int(activity["ID"])
    direction = {"1": "incoming", "2": "outgoing"}.get(str(activity.get("DIRECTION")), "unknown")
    started = _parse_time(activity.get("START_TIME"))
    duration = facts.duration_s
    if duration is None and started is not None:
        ended = _parse_time(activity.get("END_TIME"))
        duration = (ended - started) / 1000 if ended and ended >= started else None
    responsible = activity.get("RESPONSIBLE_ID")
    return {
        "call_id": call_id_for(member_id, activity_id), "member_id": member_id, "domain": domain,
        "activity_id": activity_id, "project": project.name, "language": project.language,
        "line": facts.line, "direction": direction,
        "responsible_id": int(responsible) if str(responsible or "").isdigit() else None,
        "started_at": started, "duration_s": duration, "bindings": bindings,
        "versions": {"ingest": INGEST_VERSION},
    }


class CommandRunner(Protocol):
    """Runs our own RECONCILE command for a portal (agents.reconcile.Reconciler)."""

    async def run(self, command: dict) -> list[Output]: ...


class Ingestor:
    """Fetches the activity, its bindings and telephony facts in one `batch` request (the portal
    allows 2 req/s), then downloads the recording from that same portal."""

    def __init__(self, settings: Settings, portals: PortalDirectory, rest: PortalRest, blobs: LocalBlobStore,
                 catalog: PortalProjectCatalogs, reconciler: CommandRunner | None = None,
                 lifecycle: Lifecycle | None = None) -> None:
        self.settings, self.portals, self.rest = settings, portals, rest
        self.blobs, self.catalog = blobs, catalog
        self.reconciler = reconciler  # agents.reconcile.Reconciler: runs RECONCILE commands
        self.lifecycle = lifecycle  # agents.lifecycle.Lifecycle: app events (uninstall)

    async def handle(self, event: dict, message: Consumed) -> list[Output]:
        # Only our own timer may ask for a scan; a portal posting event=RECONCILE is ignored.
        if event["event"] == "RECONCILE" and event["source"] == "reconcile" and self.reconciler is not None:
            portal = self.portals.get(event["member_id"])
            if portal is None or portal.status != "active":  # the next run after re-auth catches up
                return []
            return await self.reconciler.run(event)
        if event["event"] not in ACTIVITY_EVENTS:
            if self.lifecycle is not None:
                await self.lifecycle.handle(event)
            return []
        member_id, activity_id = event["member_id"], int(event["entity_id"])
        portal = self.portals.get(member_id)
        if portal is None or portal.status == "uninstalled":
            raise Reject(f"portal {member_id} is not installed")
        call_id = call_id_for(member_id, activity_id)
        if self.blobs.ingested(member_id, call_id):
            return []
        results, errors = await self.rest.batch(member_id, {
            "activity": ("crm.activity.get", {"id": activity_id}),
            "bindings": ("crm.activity.binding.list", {"activityId": activity_id}),
            "stats": ("voximplant.statistic.get", {"FILTER": {"CRM_ACTIVITY_ID": activity_id}}),
        })
        activity = results.get("activity")
        if not activity:
            raise Reject(f"activity {activity_id} not readable: {errors.get('activity')}")
        facts = call_facts(results.get("stats"))
        project = self.catalog.resolve(member_id, facts.line)  # with the portal's own line mapping
        context = call_context(member_id, portal.domain, activity, facts,
                               bindings_from(results.get("bindings"), activity), project)
        if not is_telephony_call(activity):
            if str(activity.get("TYPE_ID")) == "2":  # a call logged by hand: show why it has no score
                return [call_status(self.settings, context, "skipped", "not a telephony call")]
            return []
        file = recording_file(activity)
        if file is None:
            if facts.failed:
                log.info("ingest: call=%s did not connect; nothing to analyse", call_id)
                return [call_status(self.settings, context, "skipped", "the call did not connect")]
            raise Retry(f"recording of activity {activity_id} not attached yet",
                        max_attempts=self.settings.recording_wait_attempts)
        name = _recording_name(file)
        dest = self.blobs.call_dir(member_id, call_id) / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        download = await self.rest.download(member_id, file["url"], dest, self.settings.max_recording_bytes)
        record = {
            "context": context,
            "audio": {"uri": self.blobs.uri(member_id, call_id, name), "sha256": download.sha256,
                      "size_bytes": download.size_bytes,
                      "content_type": download.content_type or mimetypes.guess_type(name)[0] or "audio/wav",
                      "file_name": name},
            "ingested_at": now_ms(),
        }
        log.info("ingest: call=%s project=%s line=%s bytes=%d", call_id, project.name, facts.line,
                 download.size_bytes)
        # Marked only once published: a crash in between re-ingests (duplicate downstream is
        # harmless, sinks are idempotent); the other order could lose the call.
        mark = lambda: self.blobs.mark_ingested(member_id, call_id, {"sha256": download.sha256, "at": now_ms()})  # noqa: E731
        return [Output(self.settings.topic(Topic.INGESTED), call_id.encode(), "aica.CallIngested", record,
                       after_published=mark),
                call_status(self.settings, context, "processing", None)]


def call_status(settings: Settings, context: dict, status: str, reason: str | None) -> Output:
    """The dashboard's status of a call (calls.status.v1): processing or skipped, with why."""
    record = {"call_id": context["call_id"], "member_id": context["member_id"], "status": status,
              "stage": "ingest", "reason": reason, "context": context, "at": now_ms()}
    return Output(settings.topic(Topic.CALL_STATUS), context["call_id"].encode(), "aica.CallStatus", record)


def _recording_name(file: dict) -> str:
    ext = str(file.get("name") or "").rsplit(".", 1)[-1].lower() if "." in str(file.get("name") or "") else "wav"
    return f"recording.{ext if ext.isalnum() and len(ext) <= 5 else 'wav'}"


SPEC = StageSpec("ingest", "agents.ingest", {Topic.EVENTS: "aica.CrmWebhookEvent"},
                 writes=(Topic.INGESTED, Topic.CALL_STATUS, Topic.EVENTS, Topic.RECONCILE_MARKS))


def register(app: faust.App, settings: Settings, ingestor: Ingestor) -> None:
    runner = StageRunner(app, settings, SPEC)

    @app.agent(runner.source(), name="ingest")
    async def ingest(stream: faust.StreamT) -> None:
        # One lane per portal: a slow or failing portal does not hold the others (streams.partitioning).
        await run_in_lanes(runner, ingestor.handle).run(stream)
