"""Rescore runs on the compacted topic `aica.rescore-runs.v1`, keyed by run_id: the same
`aica rescore` command finds its own run (its fixed end offsets, its state) after a crash or
Ctrl-C, and the settings tab lists the runs."""
from __future__ import annotations

from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic

RECORD = "aica.RescoreRun"


def _ms(value: object) -> int:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value or 0)


class RescoreRuns(CompactedView[dict]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.topic(Topic.RESCORE_RUNS), RECORD,
                         to_record=lambda run: run, from_record=lambda record: record,
                         key_of=lambda run: run["run_id"], version_of=lambda run: _ms(run["updated_at"]))
