"""Per-portal settings on the compacted topic `aica.portal-settings.v1`, keyed by member_id and
kept in memory by every process, like `control.portals` does for installed portals. Secrets are
Fernet-encrypted at rest."""
from __future__ import annotations

import json
import time

from cryptography.fernet import Fernet

from catalog.portal_settings import PortalSettings, projects_json
from catalog.projects import ProjectCatalog, parse_portal_projects
from streams.compacted import CompactedView
from streams.settings import Settings
from streams.topics import Topic

RECORD = "aica.PortalSettings"


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


