"""Rescore runs on the compacted topic `aica.rescore-runs.v1`, keyed by run_id: the same
`aica rescore` command finds its own run (its fixed end offsets, its state) after a crash or
Ctrl-C, and the settings tab lists the runs."""
from __future__ import annotations

from schemas.registry import epoch_ms
from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic

RECORD = "aica.RescoreRun"


class RescoreRuns(CompactedView[dict]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.topic(Topic.RESCORE_RUNS), RECORD,
                         to_record=lambda run: run, from_record=lambda record: record,
                         key_of=lambda run: run["run_id"], version_of=lambda run: epoch_ms(run["updated_at"]))
