"""Recording retention. A call's recording, its kept raw transcript and any raw payload held for a
retry or dead letter are personal data; once nothing in the call's directory has changed for the
retention period they are deleted (the leader worker sweeps hourly, `aica.worker`). The
`ingested.json` marker stays: it holds a digest and a time, no personal data, and it is what stops
a redelivered or reconciled event from ingesting the call a second time.

What a sweep means for the rest: the card tab answers "no recording" for playback of an expired
call; a dead letter older than the retention can be replayed only without its held raw payload
(`StageRunner.held_value` returns None, as after a portal purge); redacted transcripts, scores and
rescoring are not affected (they live in Kafka and ClickHouse, not here)."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from blobs.store import LocalBlobStore

log = logging.getLogger(__name__)

DAY_S = 86400.0
KEPT_NAMES = frozenset({"ingested.json"})


@dataclass
class SweepReport:
    calls: int = 0  # call directories whose personal data was deleted in this sweep
    files: int = 0
    bytes: int = 0


def expired_files(call_dir: Path, cutoff: float) -> list[Path]:
    """The files of `call_dir` to delete: all but the kept marker, if the newest of its files was
    written before `cutoff` (unix seconds). A retry writing a held payload renews the whole call,
    so a call still moving through the stages is never cut in half."""
    files = [entry for entry in os.scandir(call_dir) if entry.is_file(follow_symlinks=False)]
    if not files or max(entry.stat().st_mtime for entry in files) >= cutoff:
        return []
    return [Path(entry.path) for entry in files if entry.name not in KEPT_NAMES]


def call_dirs(root: Path):
    """Every <member_id>/<call_id> directory under the store's root."""
    if not root.is_dir():
        return
    for member in os.scandir(root):
        if member.is_dir(follow_symlinks=False):
            for call in os.scandir(member.path):
                if call.is_dir(follow_symlinks=False):
                    yield Path(call.path)


def sweep_expired(store: LocalBlobStore, retention_days: float, now: float) -> SweepReport:
    """Delete the personal data of every call older than `retention_days` (0: keep forever)."""
    report = SweepReport()
    if retention_days <= 0:
        return report
    cutoff = now - retention_days * DAY_S
    for call_dir in call_dirs(store.root):
        try:
            expired = expired_files(call_dir, cutoff)
        except FileNotFoundError:  # purged (uninstall) while we walked
            continue
        for path in expired:
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:  # another sweeper, or a purge, got there first
                continue
            report.files += 1
            report.bytes += size
        report.calls += bool(expired)
    return report
