"""Reconciliation's windows, filters and scan, against the sandbox portal's own list semantics."""
from __future__ import annotations

from agents.reconcile import (RECONCILE, Reconciler, list_params, needs_ingest, next_window,
                              reconcile_commands)
from blobs.store import LocalBlobStore
from bitrix.portals import Portal
from sandbox import rest as sandbox_rest
from sandbox.calls import CallSpec, attach_recording, create_call
from sandbox.state import SandboxState
from schemas import registry

HOUR_MS = 3600 * 1000


def test_first_window_reaches_back_the_lookback(settings_factory):
    s = settings_factory(reconcile_settle_s=120, reconcile_first_lookback_s=86400)
    window = next_window(None, 1_000_000, s)
    assert window.until_ms == (1_000_000 - 120) * 1000
    assert window.since_ms == window.until_ms - 86400 * 1000 and window.after_id == 0


def test_next_window_overlaps_the_last_one(settings_factory):
    s = settings_factory(reconcile_settle_s=120, reconcile_overlap_s=600)
    last = {"since": 0, "until": 5 * HOUR_MS, "complete": True}
    window = next_window(last, 6 * 3600, s)
    assert (window.since_ms, window.until_ms) == (5 * HOUR_MS - 600_000, (6 * 3600 - 120) * 1000)


def test_an_unfinished_window_resumes_where_it_stopped(settings_factory):
    last = {"since": 1000, "until": 2000, "after_id": 150, "complete": False}
    window = next_window(last, 10_000, settings_factory())
    assert (window.since_ms, window.until_ms, window.after_id) == (1000, 2000, 150)


def test_list_params_page_by_id_without_counting(settings_factory):
    params = list_params(next_window(None, 1_000_000, settings_factory()), after_id=42)
    assert params["filter"]["TYPE_ID"] == 2 and params["filter"][">ID"] == 42
    assert params["start"] == -1 and params["order"] == {"ID": "ASC"} and "FILES" in params["select"]


def test_only_recorded_telephony_calls_not_yet_ingested_are_fed_to_ingest():
    call = {"ID": "7", "TYPE_ID": "2", "ORIGIN_ID": "VI_x", "FILES": [{"id": 1, "url": "https://p/f?auth="}]}
    assert needs_ingest(call, lambda _id: False)
    assert not needs_ingest(call, lambda _id: True)  # already ingested
    assert not needs_ingest({**call, "FILES": []}, lambda _id: False)  # the recording comes later
    assert not needs_ingest({**call, "ORIGIN_ID": None}, lambda _id: False)  # logged by hand


def test_commands_go_to_active_portals_only():
    portals = [Portal("m1", "a.example", "", "", "", "", "", 0), Portal("m2", "b.example", "", "", "", "", "", 0,
                                                                        status="reauth_required")]
    [command] = reconcile_commands(portals, 1_700_000_000)
    assert (command["event"], command["member_id"], command["source"]) == (RECONCILE, "m1", "reconcile")
    registry.encode("aica.CrmWebhookEvent", command)  # a valid event record


class SandboxRest:
    """The sandbox portal's dispatcher, called in-process: real filters, order and paging."""

    def __init__(self, state: SandboxState) -> None:
        self.state, self.calls = state, []

    async def call(self, member_id, method, params):
        self.calls.append(method)
        return sandbox_rest._call(self.state, method, {k.lower(): v for k, v in params.items()})["result"]


class MemoryMarks:
    def __init__(self):
        self.marks = {}

    def get(self, member_id):
        return self.marks.get(member_id)

    def remember(self, mark):
        self.marks[mark["member_id"]] = mark


class Runner:
    """Publishes a handler's outputs the way streams.stage.StageRunner does: encoded in order, each
    one's after_published once it is "acked"."""

    def __init__(self):
        self.sent = []

    async def publish(self, outputs):
        for out in outputs:
            value = registry.encode(out.record_name, out.record)
            if out.record_name == "aica.CrmWebhookEvent":
                self.sent.append(registry.decode("aica.CrmWebhookEvent", value))
            if out.after_published is not None:
                out.after_published()


def mark_ingested(blobs: LocalBlobStore, member_id: str, activity_id: int) -> None:
    call_id = f"{member_id}.{activity_id}"
    blobs.call_dir(member_id, call_id).mkdir(parents=True, exist_ok=True)
    blobs.mark_ingested(member_id, call_id, {})


def recorded_calls(state: SandboxState, n: int) -> list[int]:
    ids = []
    for _ in range(n):
        activity_id, _ = create_call(state, CallSpec(contact_id=1))
        attach_recording(state, activity_id, "r.wav", "audio/wav", b"RIFF")
        ids.append(activity_id)
    return ids


async def test_scan_enqueues_missed_calls_pages_and_resumes(settings_factory, tmp_path):
    state = SandboxState(base_url="http://portal.test")
    ids = recorded_calls(state, 120)
    create_call(state, CallSpec(contact_id=1))  # no recording yet: skipped
    create_call(state, CallSpec(contact_id=1, is_call=False))  # an e-mail: not even listed
    blobs = LocalBlobStore(tmp_path / "blobs")
    mark_ingested(blobs, state.member_id, ids[0])  # its event did arrive
    s = settings_factory(reconcile_settle_s=-60, reconcile_max_pages=2)  # "now" includes these calls
    rest, marks, runner = SandboxRest(state), MemoryMarks(), Runner()
    reconciler = Reconciler(s, rest, blobs, marks)
    command = {"member_id": state.member_id, "domain": "portal.test"}

    await runner.publish(await reconciler.run(command))  # two pages of 50: cut at the cap
    assert marks.get(state.member_id)["complete"] is False
    await runner.publish(await reconciler.run(command))  # the rest of the same window
    mark = marks.get(state.member_id)
    assert mark["complete"] is True and mark["enqueued"] == 119

    assert sorted(int(e["entity_id"]) for e in runner.sent) == ids[1:]
    assert {(e["event"], e["source"], e["member_id"]) for e in runner.sent} == {
        ("ONCRMACTIVITYUPDATE", "reconcile", state.member_id)}
    assert rest.calls == ["crm.activity.list"] * 3

    runner.sent.clear()
    await runner.publish(await reconciler.run(command))  # next window overlaps; nothing ingested yet -> again
    for activity_id in ids:
        mark_ingested(blobs, state.member_id, activity_id)
    runner.sent.clear()
    await runner.publish(await reconciler.run(command))
    assert runner.sent == []  # everything ingested: nothing twice
