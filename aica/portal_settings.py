"""Per-portal settings (project overrides from the dashboard, relay signing secrets) on the
compacted topic `aica.portal-settings.v1`, keyed by member_id and kept in memory by every
process, like `streams.portal_store` does for installed portals. Secrets are Fernet-encrypted.

`PortalCatalogs` is what the pipeline uses: the project catalog of one portal, i.e. the built-in
catalog with that portal's own projects on top (`aica.projects.portal_catalog`)."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, replace

from cryptography.fernet import Fernet

from aica.projects import Project, ProjectCatalog, PortalProjects, parse_portal_projects, portal_catalog
from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic

RECORD = "aica.PortalSettings"


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


def settings_to_record(value: PortalSettings, box: Fernet) -> dict:
    enc = lambda s: box.encrypt(s.encode()).decode() if s else None  # noqa: E731
    until = value.relay_previous_valid_until
    return {"member_id": value.member_id,
            "projects_json": projects_json(value.projects) if value.projects else None,
            "relay_secret_enc": enc(value.relay_secret),
            "relay_previous_secret_enc": enc(value.relay_previous_secret),
            "relay_previous_valid_until": int(until * 1000) if until else None,
            "updated_by": value.updated_by, "updated_at": int(time.time() * 1000),
            "generation": value.generation}


def record_to_settings(record: dict, box: Fernet, base: ProjectCatalog) -> PortalSettings:
    dec = lambda s: box.decrypt(s.encode()).decode() if s else None  # noqa: E731
    until = record.get("relay_previous_valid_until")
    raw = record.get("projects_json")
    return PortalSettings(
        member_id=record["member_id"],
        projects=parse_portal_projects(json.loads(raw), base) if raw else None,
        relay_secret=dec(record.get("relay_secret_enc")),
        relay_previous_secret=dec(record.get("relay_previous_secret_enc")),
        relay_previous_valid_until=until.timestamp() if hasattr(until, "timestamp") else (until / 1000 if until else None),
        updated_by=record.get("updated_by"), generation=record.get("generation") or 0)


class KafkaPortalSettings(CompactedView[PortalSettings]):
    """Per-portal settings over `aica.portal-settings.v1`; the newest generation wins. A portal
    without its own settings gets the defaults."""

    def __init__(self, settings: Settings, box: Fernet, base: ProjectCatalog) -> None:
        self.box, self.base = box, base
        super().__init__(settings, settings.topic(Topic.PORTAL_SETTINGS), RECORD,
                         to_record=lambda v: settings_to_record(v, self.box),
                         from_record=lambda r: record_to_settings(r, self.box, self.base),
                         key_of=lambda v: v.member_id, version_of=lambda v: v.generation)

    def get(self, member_id: str) -> PortalSettings:
        return super().get(member_id) or PortalSettings(member_id)


class PortalCatalogs:
    """Drop-in for a ProjectCatalog where a call's portal is known: `resolve(member_id, line)` and
    `for_portal(member_id)` apply that portal's own projects."""

    def __init__(self, base: ProjectCatalog, store: KafkaPortalSettings | None) -> None:
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
