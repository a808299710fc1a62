"""Token requests: how any process asks the token agent (`agents.tokens`) to refresh, install or
delete a portal's tokens, and waits until the compacted portal directory shows the answer.

Refresh tokens rotate on every refresh (docs/bitrix24-api.md §2.3), so only the agent writes them;
requests go on `aica.token-requests.v1` keyed by member_id."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import Producer
from cryptography.fernet import Fernet

from bitrix.errors import AccessDenied, PortalUnavailable, ReauthRequired
from bitrix.oauth import next_installation, predates_install, token_digest
from bitrix.portals import Portal, PortalDirectory
from control.portals import load_secret_box
from schemas import registry
from streams.settings import Settings
from streams.stage import now_ms
from streams.topics import Topic
from streams.kafka_clients import kafka_config

RECORD = "aica.TokenRequest"
POLL_S = 0.05


def seal_portal(portal: Portal, box: Fernet) -> str:
    return box.encrypt(json.dumps(dataclasses.asdict(portal)).encode()).decode()


def open_portal(sealed: str, box: Fernet) -> Portal:
    return Portal(**json.loads(box.decrypt(sealed.encode())))


def token_request(member_id: str, kind: str, seen_generation: int, *, failed_token: str = "",
                  portal_enc: str | None = None, event_at: float | None = None) -> dict[str, Any]:
    return {"member_id": member_id, "kind": kind,
            "failed_token_sha256": token_digest(failed_token) if failed_token else "",
            "seen_generation": seen_generation, "portal_enc": portal_enc, "requested_at": now_ms(),
            "event_at": int(event_at * 1000) if event_at is not None else None}


async def wait_for(portals: PortalDirectory, member_id: str, done: Callable[[Portal | None], bool],
                   timeout_s: float) -> Portal | None:
    """Poll the in-memory directory (it follows the compacted topic) until `done`."""
    deadline = time.monotonic() + timeout_s
    while not done(portal := portals.get(member_id)):
        if time.monotonic() > deadline:
            raise PortalUnavailable("TOKEN_AGENT_TIMEOUT", "no answer from the token agent in time")
        await asyncio.sleep(POLL_S)
    return portal


class KafkaTokens:
    """TokenKeeper for every process: asks the token agent and waits for its answer to show up."""

    def __init__(self, settings: Settings, portals: PortalDirectory, box: Fernet | None = None) -> None:
        self.settings, self.portals = settings, portals
        self.box = box or load_secret_box(settings)
        self.topic = settings.topic(Topic.TOKEN_REQUESTS)
        self._producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all",
                                   "enable.idempotence": True}))

    async def _send(self, request: dict[str, Any]) -> None:
        def produce() -> None:
            errors: list = []
            self._producer.produce(self.topic, key=request["member_id"].encode(),
                                   value=registry.encode(RECORD, request),
                                   on_delivery=lambda err, msg: errors.append(err) if err else None)
            if self._producer.flush(self.settings.publish_timeout_s) or errors:
                raise PortalUnavailable("TOKEN_REQUEST_NOT_SENT", str(errors or "timeout"))
        await asyncio.get_running_loop().run_in_executor(None, produce)

    async def _await(self, member_id: str, done: Callable[[Portal | None], bool]) -> Portal | None:
        return await wait_for(self.portals, member_id, done, self.settings.token_request_timeout_s)

    async def refreshed(self, member_id: str, failed_token: str) -> Portal:
        portal = self.portals.get(member_id)
        if portal is None or portal.status == "uninstalled":
            raise AccessDenied("NOT_INSTALLED", "portal is not installed")
        if portal.status == "active" and portal.access_token != failed_token:
            return portal
        if portal.status == "reauth_required":
            raise ReauthRequired("invalid_grant", "portal needs re-authorisation")
        await self._send(token_request(member_id, "refresh", portal.generation, failed_token=failed_token))
        latest = await self._await(member_id, lambda p: p is not None and p.generation > portal.generation)
        assert latest is not None
        if latest.status == "reauth_required":
            raise ReauthRequired("invalid_grant", "portal needs re-authorisation")
        if latest.status != "active":
            raise AccessDenied("NOT_INSTALLED", "portal is not installed")
        return latest

    async def install(self, portal: Portal) -> Portal:
        current = self.portals.get(portal.member_id)
        target = next_installation(portal, current)
        await self._send(token_request(portal.member_id, "install", current.generation if current else 0,
                                       portal_enc=seal_portal(target, self.box)))
        stored = await self._await(portal.member_id,
                                   lambda p: p is not None and p.generation >= target.generation)
        assert stored is not None
        return stored

    async def uninstall(self, member_id: str, event_at: float | None = None) -> Portal | None:
        current = self.portals.get(member_id)
        if current is None:
            return None
        if predates_install(event_at, current):
            return current
        await self._send(token_request(member_id, "uninstall", current.generation, event_at=event_at))
        # Done when uninstalled, or when the agent found a newer install and kept it (a generation
        # past the one we saw, still not uninstalled).
        return await self._await(member_id, lambda p: p is not None and (
            (p.status == "uninstalled" and not p.access_token and not p.application_token)
            or (p.generation > current.generation and predates_install(event_at, p))))
