"""The token agent: the single writer of every portal's OAuth tokens, across all processes.

Refresh tokens rotate on every refresh (docs/bitrix24-api.md §2.3): two refreshes in flight lose one
pair and strand the portal. So nobody refreshes, installs or deletes tokens but this agent. Requests
sit on `aica.token-requests.v1` keyed by member_id, and one consumer owns a partition, so one
portal's requests are handled one at a time by one process. A requester (`KafkaTokens`) sends a
request and waits until its own copy of the portal directory shows the newer generation; a refresh
request whose failed token is no longer current is skipped (someone else already refreshed)."""
from __future__ import annotations

import logging

import aiohttp
import faust
from cryptography.fernet import Fernet

from bitrix.egress import portal_session
from bitrix.errors import PortalUnavailable, ReauthRequired
from bitrix.oauth import LocalTokens, token_digest
from bitrix.portals import PortalDirectory
from control.portals import load_secret_box
from control.tokens import RECORD, open_portal, wait_for
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import Consumed, Output, Reject, StageRunner
from streams.topics import Topic

log = logging.getLogger(__name__)


class TokenAgent:
    """Handles one request at a time with the in-process keeper (which writes the directory)."""

    def __init__(self, portals: PortalDirectory, keeper: LocalTokens, box: Fernet,
                 catch_up_s: float = 10.0) -> None:
        self.portals, self.keeper, self.box, self.catch_up_s = portals, keeper, box, catch_up_s

    async def handle(self, request: dict, message: Consumed) -> list[Output]:
        member_id, kind = request["member_id"], request["kind"]
        await self._catch_up(member_id, request["seen_generation"])
        if kind == "install":
            if not request.get("portal_enc"):
                raise Reject("install request without a portal")
            portal = open_portal(request["portal_enc"], self.box)
            if portal.member_id != member_id:
                raise Reject("install request for another portal than its key")
            await self.keeper.install(portal)
        elif kind == "uninstall":
            sent = request.get("event_at")
            await self.keeper.uninstall(member_id, sent.timestamp() if hasattr(sent, "timestamp")
                                        else (sent / 1000 if sent is not None else None))
        else:
            await self._refresh(member_id, request["failed_token_sha256"])
        return []

    async def _refresh(self, member_id: str, failed_digest: str) -> None:
        portal = self.portals.get(member_id)
        if portal is None or portal.status != "active" or token_digest(portal.access_token) != failed_digest:
            log.info("tokens: portal %s already refreshed, reinstalled or inactive; skipped", member_id)
            return
        try:
            await self.keeper.refreshed(member_id, portal.access_token)
        except ReauthRequired:
            pass  # marked reauth_required in the directory: that is the answer requesters wait for

    async def _catch_up(self, member_id: str, seen_generation: int) -> None:
        """After a rebalance our directory may trail the requester's: never act on an old pair."""
        try:
            await wait_for(self.portals, member_id,
                           lambda p: seen_generation <= (p.generation if p else 0), self.catch_up_s)
        except PortalUnavailable:
            log.warning("tokens: directory behind for portal %s; acting on what it shows", member_id)


SPEC = StageSpec("tokens", "agents.tokens", {Topic.TOKEN_REQUESTS: RECORD})


def register(app: faust.App, settings: Settings, portals: PortalDirectory) -> None:
    runner = StageRunner(app, settings, SPEC)
    box = load_secret_box(settings)

    @app.agent(runner.source(), name="tokens")
    async def tokens(stream: faust.StreamT) -> None:
        timeout = aiohttp.ClientTimeout(total=settings.rest_timeout_s)
        async with portal_session(settings, timeout=timeout) as session:
            agent = TokenAgent(portals, LocalTokens(session, portals, settings), box)
            await runner.run(stream, agent.handle)
