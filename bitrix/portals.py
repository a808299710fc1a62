"""Installed portals: the control-plane record every process reads.

`PortalDirectory` is what the gateway (verify events), the ingest agent and the CRM sink (REST
calls) depend on. `InMemoryPortals` serves tests; `control.portals.KafkaPortals` materialises
the compacted `aica.portals.v1` topic, the system of record, in each process.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol

# A portal whose app refresh token failed still sends authentic events and its users' tokens still
# work: only an uninstalled (or unknown-state) portal is refused at the door.
ACCEPTING_STATUSES = frozenset({"active", "reauth_required"})


@dataclass(frozen=True)
class Portal:
    member_id: str
    domain: str
    client_endpoint: str  # https://<domain>/rest/
    server_endpoint: str  # OAuth server, https://oauth.bitrix.info/rest/
    application_token: str
    access_token: str
    refresh_token: str
    access_expires_at: float  # unix seconds
    status: str = "active"  # active | reauth_required | uninstalled
    generation: int = 0
    # Unix seconds of the latest verified install or re-authorisation (0 = before it was kept):
    # an ONAPPUNINSTALL sent before it belongs to an older installation and is ignored.
    installed_at: float = 0.0
    # "oauth": the marketplace/local app (tokens, refresh). "webhook": an admin's inbound webhook
    # (`https://<portal>/rest/<user>/<code>/`, a secret: REST calls go to <webhook_url><method>, no
    # token, never a refresh) plus an outbound webhook whose application_token proves the events.
    auth_mode: str = "oauth"
    webhook_url: str = ""

    @property
    def uses_webhook(self) -> bool:
        return self.auth_mode == "webhook"

    @property
    def oauth_token_url(self) -> str:
        """Refresh goes to the OAuth host named by server_endpoint (…/rest/ -> …/oauth/token/)."""
        base = self.server_endpoint.rstrip("/")
        if base.endswith("/rest"):
            base = base[: -len("/rest")]
        return base + "/oauth/token/"

    def with_tokens(self, access_token: str, refresh_token: str, expires_in: float) -> "Portal":
        return replace(self, access_token=access_token, refresh_token=refresh_token,
                       access_expires_at=time.time() + expires_in, status="active",
                       generation=self.generation + 1)

    def __repr__(self) -> str:  # never print secrets
        return f"Portal(member_id={self.member_id!r}, domain={self.domain!r}, status={self.status!r})"


class PortalDirectory(Protocol):
    def get(self, member_id: str) -> Portal | None: ...

    async def put(self, portal: Portal) -> None: ...


class InMemoryPortals:
    def __init__(self, *portals: Portal) -> None:
        self._portals = {p.member_id: p for p in portals}

    def get(self, member_id: str) -> Portal | None:
        return self._portals.get(member_id)

    async def put(self, portal: Portal) -> None:
        self._portals[portal.member_id] = portal
