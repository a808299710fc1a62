"""Installed portals on a compacted Kafka topic (the control plane's system of record), kept in
memory by every process. Tokens and application_token are Fernet-encrypted at rest."""
from __future__ import annotations

import time

from cryptography.fernet import Fernet

from bitrix.portals import Portal
from streams.compacted import CompactedView
from streams.master_key import load_secret_box  # noqa: F401 - its old home; callers import it from here
from streams.settings import Settings
from streams.topics import Topic


def portal_to_record(portal: Portal, box: Fernet) -> dict:
    enc = lambda s: box.encrypt(s.encode()).decode()  # noqa: E731
    return {
        "member_id": portal.member_id, "domain": portal.domain,
        "client_endpoint": portal.client_endpoint, "server_endpoint": portal.server_endpoint,
        "status": portal.status,
        "application_token_enc": enc(portal.application_token),
        "access_token_enc": enc(portal.access_token),
        "refresh_token_enc": enc(portal.refresh_token),
        "access_expires_at": int(portal.access_expires_at * 1000),
        "updated_at": int(time.time() * 1000), "generation": portal.generation,
        "installed_at": int(portal.installed_at * 1000),
        "auth_mode": portal.auth_mode,
        "webhook_url_enc": enc(portal.webhook_url) if portal.webhook_url else None,
    }


def record_to_portal(record: dict, box: Fernet) -> Portal:
    dec = lambda s: box.decrypt(s.encode()).decode()  # noqa: E731
    expires = record["access_expires_at"]
    return Portal(
        member_id=record["member_id"], domain=record["domain"],
        client_endpoint=record["client_endpoint"], server_endpoint=record["server_endpoint"],
        application_token=dec(record["application_token_enc"]),
        access_token=dec(record["access_token_enc"]), refresh_token=dec(record["refresh_token_enc"]),
        access_expires_at=expires.timestamp() if hasattr(expires, "timestamp") else expires / 1000,
        status=record["status"], generation=record["generation"],
        installed_at=_seconds(record.get("installed_at") or 0),
        auth_mode=record.get("auth_mode") or "oauth",
        webhook_url=dec(record["webhook_url_enc"]) if record.get("webhook_url_enc") else "",
    )


def _seconds(value: object) -> float:
    """fastavro reads timestamp-millis as an aware datetime (0 may stay an int)."""
    return value.timestamp() if hasattr(value, "timestamp") else float(value) / 1000


class KafkaPortals(CompactedView[Portal]):
    """PortalDirectory over `aica.portals.v1`. The newest generation of a portal wins."""

    def __init__(self, settings: Settings, box: Fernet | None = None) -> None:
        self.box = box or load_secret_box(settings)
        super().__init__(settings, settings.topic(Topic.PORTALS), "aica.PortalInstallation",
                         to_record=lambda p: portal_to_record(p, self.box),
                         from_record=lambda r: record_to_portal(r, self.box),
                         key_of=lambda p: p.member_id, version_of=lambda p: p.generation)
