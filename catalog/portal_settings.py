"""Per-portal settings (project overrides from the dashboard, relay signing secrets) and the
per-portal project catalogs built from them. Stored by `control.portal_settings` on a compacted
topic; this module is the domain side and knows nothing of Kafka."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import Protocol

from catalog.projects import Project, ProjectCatalog, PortalProjects, portal_catalog


@dataclass(frozen=True)
class PortalSettings:
    member_id: str
    projects: PortalProjects | None = None  # None: the built-in catalog applies
    relay_secret: str | None = None
    relay_previous_secret: str | None = None
    relay_previous_valid_until: float | None = None  # unix seconds
    updated_by: int | None = None
    generation: int = 0

    def relay_secrets(self, now: float) -> tuple[bytes, ...]:
        """Secrets a relay post for this portal may be signed with: current, and the previous one
        until its overlap window ends."""
        out = [self.relay_secret] if self.relay_secret else []
        if self.relay_previous_secret and (self.relay_previous_valid_until or 0) > now:
            out.append(self.relay_previous_secret)
        return tuple(s.encode() for s in out)

    def rotated(self, overlap_s: float, now: float, by: int | None) -> PortalSettings:
        """A new current secret; the old one stays valid for overlap_s."""
        return replace(self, relay_secret=secrets.token_urlsafe(32), relay_previous_secret=self.relay_secret,
                       relay_previous_valid_until=now + overlap_s if self.relay_secret else None,
                       updated_by=by, generation=self.generation + 1)

    def with_projects(self, projects: PortalProjects | None, by: int | None) -> PortalSettings:
        return replace(self, projects=projects, updated_by=by, generation=self.generation + 1)

    def __repr__(self) -> str:  # never print secrets
        return f"PortalSettings(member_id={self.member_id!r}, generation={self.generation})"


def projects_json(projects: PortalProjects) -> str:
    return json.dumps(projects.model_dump(mode="json", exclude={"projects": {"__all__": {"name", "portals"}}}))



class PortalSettingsSource(Protocol):
    """Where a portal's current settings come from (the compacted-topic view in production)."""

    def get(self, member_id: str) -> PortalSettings: ...


class PortalSettingsStore(PortalSettingsSource, Protocol):
    """The settings API also stores them (control.portal_settings.KafkaPortalSettings)."""

    async def put(self, value: PortalSettings) -> None: ...


class PortalProjectCatalogs(Protocol):
    """A call's project and scorecard as its portal's settings define them (PortalCatalogs)."""

    def for_portal(self, member_id: str) -> ProjectCatalog: ...

    def resolve(self, member_id: str, line: str | None) -> Project: ...


class PortalCatalogs:
    """Drop-in for a ProjectCatalog where a call's portal is known: `resolve(member_id, line)` and
    `for_portal(member_id)` apply that portal's own projects."""

    def __init__(self, base: ProjectCatalog, store: PortalSettingsSource | None) -> None:
        self.base, self.store = base, store
        self.projects: dict[str, Project] = base.projects  # portal-less readers see the base
        self.scorecards = base.scorecards
        self._cache: dict[str, tuple[int, ProjectCatalog]] = {}  # member_id -> (generation, catalog)

    def for_portal(self, member_id: str) -> ProjectCatalog:
        own = self.store.get(member_id) if self.store is not None else None
        if own is None or own.projects is None:
            return self.base
        cached = self._cache.get(member_id)
        if cached is None or cached[0] != own.generation:  # one entry per portal: old generations go
            cached = self._cache[member_id] = (own.generation, portal_catalog(self.base, own.projects, member_id))
        return cached[1]

    def resolve(self, member_id: str, line: str | None) -> Project:
        return self.for_portal(member_id).resolve(member_id, line)

    def scorecard(self, scorecard_id: str):
        return self.base.scorecard(scorecard_id)
