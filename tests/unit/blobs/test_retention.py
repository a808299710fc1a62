"""Recording retention: what a sweep deletes, what it keeps, and that it can run beside others."""
from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from blobs.retention import DAY_S, sweep_expired
from blobs.store import LocalBlobStore
from streams.settings import Settings

NOW = 1_800_000_000.0


def ingested_call(store: LocalBlobStore, member_id: str, call_id: str, age_days: float,
                  extra: dict[str, float] | None = None) -> None:
    """A call directory as ingest leaves it (recording + marker), written `age_days` ago; `extra`
    adds files (held payloads, kept transcripts) with their own ages."""
    store.keep(member_id, call_id, "recording.mp3", b"ID3 audio bytes")
    store.mark_ingested(member_id, call_id, {"sha256": "ab" * 32, "at": 0})
    files = {"recording.mp3": age_days, "ingested.json": age_days, **(extra or {})}
    for name, age in files.items():
        path = store.call_dir(member_id, call_id) / name
        if not path.exists():
            path.write_bytes(b"held raw transcript")
        os.utime(path, (NOW - age * DAY_S, NOW - age * DAY_S))


def names(store: LocalBlobStore, member_id: str, call_id: str) -> set[str]:
    return {p.name for p in store.call_dir(member_id, call_id).iterdir()}


def test_an_old_call_loses_its_personal_data_but_keeps_its_ingest_marker(tmp_path):
    store = LocalBlobStore(tmp_path)
    ingested_call(store, "p1", "old", 91, {"transcript.abc.avro": 91, "held.calls.transcribed.v1": 95})
    ingested_call(store, "p1", "young", 30)
    report = sweep_expired(store, 90, NOW)
    assert names(store, "p1", "old") == {"ingested.json"}
    assert store.ingested("p1", "old") is not None  # a redelivered event is still recognised
    assert names(store, "p1", "young") == {"recording.mp3", "ingested.json"}
    assert (report.calls, report.files) == (1, 3)
    assert report.bytes == len(b"ID3 audio bytes") + 2 * len(b"held raw transcript")


def test_a_recent_retry_keeps_the_whole_call(tmp_path):
    # The recording is old, but a stage held a payload yesterday: the call is still moving.
    store = LocalBlobStore(tmp_path)
    ingested_call(store, "p1", "retrying", 120, {"held.calls.transcribed.v1": 1})
    assert sweep_expired(store, 90, NOW).calls == 0
    assert names(store, "p1", "retrying") == {"recording.mp3", "ingested.json", "held.calls.transcribed.v1"}


def test_sweeps_are_idempotent_and_span_portals(tmp_path):
    store = LocalBlobStore(tmp_path)
    ingested_call(store, "p1", "a", 100)
    ingested_call(store, "p2", "b", 100)
    assert sweep_expired(store, 90, NOW).calls == 2
    assert sweep_expired(store, 90, NOW).calls == 0  # only markers left: nothing more to do
    assert names(store, "p2", "b") == {"ingested.json"}


def test_zero_keeps_everything_and_an_empty_store_is_fine(tmp_path):
    store = LocalBlobStore(tmp_path / "missing")
    assert sweep_expired(store, 90, NOW).calls == 0
    store = LocalBlobStore(tmp_path)
    ingested_call(store, "p1", "ancient", 5000)
    assert sweep_expired(store, 0, NOW).calls == 0
    assert "recording.mp3" in names(store, "p1", "ancient")


@pytest.mark.parametrize("days", [1, 7.5])
def test_a_retention_shorter_than_the_ingest_queue_is_refused(tmp_path, days):
    with pytest.raises(ValidationError, match="at least 8 days"):
        Settings(data_dir=tmp_path, recording_retention_days=days)
    assert Settings(data_dir=tmp_path, recording_retention_days=8).recording_retention_days == 8
