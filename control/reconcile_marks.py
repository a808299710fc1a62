"""Reconcile marks: the newest scanned window per portal, on the compacted topic
`aica.reconcile-marks.v1` (survives restarts, readable by whichever worker owns the portal after a
rebalance; see `agents.reconcile`)."""
from __future__ import annotations

from schemas.registry import epoch_ms
from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic


class ReconcileMarks(CompactedView[dict]):
    """The newest scan mark per portal (`aica.ReconcileMark` dicts) from the compacted topic."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, settings.topic(Topic.RECONCILE_MARKS), "aica.ReconcileMark",
                         to_record=lambda mark: mark, from_record=lambda record: record,
                         key_of=lambda mark: mark["member_id"], version_of=lambda mark: epoch_ms(mark["updated_at"]))
