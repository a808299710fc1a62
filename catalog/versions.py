"""Scorecard versions as data: what a version meant when calls were first judged under it.

A scorecard's ref (`id@version`) names its verdicts in ClickHouse and the CRM. If its content is
edited without a new `version`, verdicts before and after the edit would share a ref and the old
ones would be silently re-labelled. So the first content judged under a ref is recorded
(`control.scorecards`), and content that differs from it becomes a version of its own,
`<version>+<digest>`, beside the old one: a change always creates a new version, and old
versions stay readable with their labels."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

from catalog.projects import ProjectCatalog
from catalog.scorecards import Scorecard


def scorecard_digest(card: Scorecard) -> str:
    """What the scorecard judges by (criteria, weights, thresholds), not what it is called."""
    return hashlib.sha256(card.model_dump_json(exclude={"id", "version"}).encode()).hexdigest()[:8]


def versioned(catalog: ProjectCatalog, recorded: Mapping[str, str]) -> tuple[ProjectCatalog, list[Scorecard]]:
    """(the catalog to judge with, the scorecard versions not recorded yet). `recorded` maps each
    known ref to the digest of the content first judged under it."""
    cards, new = {}, []
    for scorecard_id, card in catalog.scorecards.items():
        digest = scorecard_digest(card)
        if recorded.get(card.ref, digest) != digest:  # edited in place: a version of its own
            card = card.model_copy(update={"version": f"{card.version}+{digest}"})
        if card.ref not in recorded:
            new.append(card)
        cards[scorecard_id] = card
    return ProjectCatalog(catalog.projects, catalog.default.name, cards), new
