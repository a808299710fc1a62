"""Reconcile marks: the newest scanned window per portal, on the compacted topic
`aica.reconcile-marks.v1` (survives restarts, readable by whichever worker owns the portal after a
rebalance; see `agents.reconcile`)."""
from __future__ import annotations

from typing import Any

from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic


def mark_ms(value: Any) -> int:
    """A mark's timestamp in ms, whether Avro gave a datetime or an int."""
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value)


class ReconcileMarks(CompactedView[dict]):
    """The newest scan mark per portal (`aica.ReconcileMark` dicts) from the compacted topic."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.topic(Topic.RECONCILE_MARKS), "aica.ReconcileMark",
                         to_record=lambda mark: mark, from_record=lambda record: record,
                         key_of=lambda mark: mark["member_id"], version_of=lambda mark: mark_ms(mark["updated_at"]))
