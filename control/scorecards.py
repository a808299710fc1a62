"""Scorecard versions on the compacted topic `aica.scorecards.v1`, keyed by ref (`id@version`):
every process that judges calls (the worker, `aica rescore`) resolves its catalog against them at
start (catalog.versions), so an edit without a version bump becomes a new version everywhere."""
from __future__ import annotations

import logging

from catalog.projects import ProjectCatalog
from catalog.versions import scorecard_digest, versioned
from schemas.registry import epoch_ms
from streams.compacted import CompactedView
from streams.settings import Settings
from streams.stage import now_ms
from streams.topics import Topic

log = logging.getLogger(__name__)
RECORD = "aica.ScorecardVersion"


class ScorecardVersions(CompactedView[dict]):
    def __init__(self, settings: Settings) -> None:
        # The FIRST record of a ref is what it means: a later one (a race at start) never replaces it.
        super().__init__(settings, settings.topic(Topic.SCORECARDS), RECORD,
                         to_record=lambda v: v, from_record=lambda r: r, key_of=lambda v: v["ref"],
                         version_of=lambda v: -epoch_ms(v["recorded_at"]))

    def recorded(self) -> dict[str, str]:
        return {v["ref"]: v["digest"] for v in self.all()}


def judge_with_history(catalog: ProjectCatalog, history: ScorecardVersions) -> ProjectCatalog:
    """The catalog to judge with: edited-in-place scorecards as new versions, every version recorded."""
    resolved, new = versioned(catalog, history.recorded())
    for card in new:
        if "+" in card.version:
            log.warning("scorecard %s@%s was edited without a new version: its calls are judged as %s "
                        "(set `version` in the projects file to name it)", card.id, card.version.split("+")[0], card.ref)
        history.put_sync({"ref": card.ref, "scorecard_id": card.id, "version": card.version,
                          "digest": scorecard_digest(card), "definition_json": card.model_dump_json(),
                          "recorded_at": now_ms()})
    return resolved
