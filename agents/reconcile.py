"""Reconciliation: find the calls whose events never reached us (Bitrix24 does not resend a failed
event delivery, docs/bitrix24-api.md §1.1, §3.6) and feed them through the normal ingest path.

- The leader's timer puts one RECONCILE command per active portal on `b24.events.v1`, keyed by
  member_id, so the worker that owns the portal's REST traffic (streams.partitioning) runs it.
- Ingest hands the command to `Reconciler.run`: `crm.activity.list` for call activities
  (TYPE_ID=2) whose LAST_UPDATED is in (last window end - overlap, now - settle], paged by `>ID`
  with `start=-1` (no count query). Every telephony call in it with a recording and no `ingested`
  marker becomes an ONCRMACTIVITYUPDATE event (source "reconcile") on the same topic. Calls
  without a recording are skipped: attaching one bumps LAST_UPDATED into a later window.
- Duplicates stop at ingest: it drops a call that has its marker, and the portal's lane runs its
  messages one at a time, so a live event and a reconciled one never ingest the same call twice.
- The window's mark is stored on the compacted `aica.reconcile-marks.v1` after the events were
  published (a crash re-scans the window; dedup makes that harmless). A compacted topic because
  it survives restarts, is readable by whichever worker owns the portal after a rebalance, and
  needs no database (chdb may only be opened by one process).
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import faust

from agents.ingest import call_id_for, is_telephony_call, recording_file
from bitrix.client import PortalRest
from bitrix.portals import PortalDirectory
from blobs.store import LocalBlobStore
from schemas import registry
from schemas.registry import epoch_ms
from control.reconcile_marks import ReconcileMarks
from streams.settings import Settings
from streams.stage import Output, now_ms
from streams.topics import Topic

log = logging.getLogger(__name__)

RECONCILE = "RECONCILE"
PAGE_SIZE = 50
SELECT = ["ID", "TYPE_ID", "ORIGIN_ID", "LAST_UPDATED", "FILES"]


@dataclass(frozen=True)
class Window:
    since_ms: int  # exclusive
    until_ms: int  # inclusive
    after_id: int = 0  # resume point inside the window


def next_window(mark: dict | None, now_s: float, settings: Settings) -> Window:
    """An unfinished window resumes; otherwise the next one starts `overlap` before the last end."""
    if mark is not None and not mark.get("complete", True):
        return Window(epoch_ms(mark["since"]), epoch_ms(mark["until"]), int(mark.get("after_id") or 0))
    until = int((now_s - settings.reconcile_settle_s) * 1000)
    if mark is None:
        since = until - int(settings.reconcile_first_lookback_s * 1000)
    else:
        since = epoch_ms(mark["until"]) - int(settings.reconcile_overlap_s * 1000)
    return Window(min(since, until), until)


def portal_time(ms: int) -> str:
    """Bitrix24 filters take ISO-8601 with an offset."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds")


def list_params(window: Window, after_id: int) -> dict[str, Any]:
    return {"filter": {"TYPE_ID": 2, ">LAST_UPDATED": portal_time(window.since_ms),
                       "<=LAST_UPDATED": portal_time(window.until_ms), ">ID": after_id},
            "order": {"ID": "ASC"}, "select": SELECT, "start": -1}


def needs_ingest(activity: dict, already_ingested) -> bool:
    """A telephony call with a recording that ingest has not published yet."""
    return (is_telephony_call(activity) and recording_file(activity) is not None
            and not already_ingested(int(activity["ID"])))


def event_record(member_id: str, domain: str, event: str, entity_id: str, now_s: float) -> dict:
    """A CrmWebhookEvent made by reconciliation (no tokens, like every event record)."""
    ts = int(now_s)
    digest = hashlib.sha256(f"{member_id}|{event}|{entity_id}|reconcile|{ts}".encode()).hexdigest()
    return {"event_id": digest, "event": event, "member_id": member_id, "domain": domain,
            "entity_id": entity_id, "ts": ts, "received_at": int(now_s * 1000), "source": "reconcile"}


def reconcile_commands(portals: list, now_s: float) -> list[dict]:
    return [event_record(p.member_id, p.domain, RECONCILE, "", now_s)
            for p in portals if p.status == "active"]


class Reconciler:
    def __init__(self, settings: Settings, rest: PortalRest, blobs: LocalBlobStore, marks: ReconcileMarks) -> None:
        self.settings, self.rest, self.blobs, self.marks = settings, rest, blobs, marks

    async def run(self, command: dict) -> list[Output]:
        """One window (or up to reconcile_max_pages of it) of one portal: the missed calls' events,
        then the window's mark."""
        member_id, domain = command["member_id"], command["domain"]
        previous = self.marks.get(member_id)
        window = next_window(previous, time.time(), self.settings)
        resumed = previous is not None and not previous.get("complete", True)
        enqueued = int(previous.get("enqueued") or 0) if resumed else 0
        missed, after_id, complete = [], window.after_id, False

        def ingested(activity_id: int) -> bool:
            return self.blobs.ingested(member_id, call_id_for(member_id, activity_id)) is not None

        for _ in range(self.settings.reconcile_max_pages):
            rows = await self.rest.call(member_id, "crm.activity.list", list_params(window, after_id)) or []
            missed += [str(a["ID"]) for a in rows if needs_ingest(a, ingested)]
            after_id = max([after_id, *(int(a["ID"]) for a in rows)])
            if len(rows) < PAGE_SIZE:
                complete = True
                break
        key = member_id.encode()
        events = [Output(self.settings.topic(Topic.EVENTS), key, "aica.CrmWebhookEvent",
                         event_record(member_id, domain, "ONCRMACTIVITYUPDATE", activity_id, time.time()))
                  for activity_id in missed]
        mark = {"member_id": member_id, "since": window.since_ms, "until": window.until_ms,
                "after_id": 0 if complete else after_id, "complete": complete,
                "enqueued": enqueued + len(missed), "updated_at": now_ms()}
        log.info("reconcile: portal %s window %s..%s: %d missed calls found%s", member_id,
                 portal_time(window.since_ms), portal_time(window.until_ms), len(missed),
                 "" if complete else f" (resumes after ID {after_id})")
        # The mark goes last: published after the missed calls, it never moves past them.
        return [*events, Output(self.settings.topic(Topic.RECONCILE_MARKS), key, "aica.ReconcileMark", mark,
                                after_published=lambda: self.marks.remember(mark))]


def register_timer(app: faust.App, settings: Settings, portals: PortalDirectory) -> None:
    """The leader asks each active portal's owner to reconcile it, every reconcile_interval_s."""
    topic = app.topic(settings.topic(Topic.EVENTS))

    @app.timer(settings.reconcile_interval_s, on_leader=True, name="reconcile-timer")
    async def ask_owners_to_reconcile() -> None:
        for command in reconcile_commands(portals.all(), time.time()):
            await topic.send(key=command["member_id"].encode(),
                             value=registry.encode("aica.CrmWebhookEvent", command))
