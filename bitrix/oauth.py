"""The app's OAuth side (docs/bitrix24-api.md §1.6, §2.3, §5.3): checking an install post with the OAuth
server's `app.info`, exchanging a refresh token, and the `TokenKeeper` seam every write of a
portal's tokens goes through.

`LocalTokens` writes the directory itself: right inside one process (tests, the token agent).
Across processes `control.tokens.KafkaTokens` asks the token agent instead, the single writer of a
portal's tokens, so a rotated refresh token is never lost to a race. Tokens are never logged.

About 250 lines: install checks and the in-process token keeper belong together (both write tokens)."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, Protocol

import aiohttp

from bitrix.egress import egress_refusal
from bitrix.errors import BitrixError, PortalUnavailable, ReauthRequired
from bitrix.portals import Portal, PortalDirectory
from streams.metrics import TOKEN_REFRESHES
from streams.settings import Settings

log = logging.getLogger(__name__)
HEADERS = {"User-Agent": "aica/0.1", "Accept": "application/json"}


class InstallRefused(Exception):
    """An install post that must not be trusted: HTTP status, stable code, human reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status, self.code, self.reason = status, code, reason


@dataclass(frozen=True)
class AppInfo:
    """What the OAuth server says about a token: whose app, which portal (§5.3)."""
    client_id: str
    member_id: str
    domain: str
    client_endpoint: str
    user_id: int | None


def token_digest(token: str) -> str:
    """A token's stand-in wherever it must be named but not carried (Kafka, logs)."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_endpoint(endpoint: str) -> str:
    endpoint = endpoint.strip()
    return endpoint if endpoint.endswith("/") else endpoint + "/"


def server_endpoint_allowed(endpoint: str, allowlist: list[str]) -> bool:
    """The posted SERVER_ENDPOINT is asked about the posted token, so it must be one we trust:
    otherwise a forger answers app.info himself."""
    wanted = normalise_endpoint(endpoint)
    return any(wanted == normalise_endpoint(allowed) for allowed in allowlist)


def parse_app_info(body: Any) -> AppInfo:
    result = body.get("result") if isinstance(body, dict) else None
    install = result.get("install") if isinstance(result, dict) else None
    if not isinstance(install, dict):
        raise InstallRefused(401, "bad_token", "the OAuth server did not accept the token")
    user_id = result.get("user_id")
    return AppInfo(client_id=str(result.get("client_id") or ""),
                   member_id=str(install.get("member_id") or ""),
                   domain=str(install.get("domain") or ""),
                   client_endpoint=str(install.get("client_endpoint") or ""),
                   user_id=int(user_id) if str(user_id or "").isdigit() else None)


def check_app_info(info: AppInfo, *, client_id: str, member_id: str, domain: str) -> None:
    """The token must be ours (client_id) and belong to the portal the post claims (§1.6)."""
    if info.client_id != client_id:
        raise InstallRefused(403, "foreign_app", "the token was issued to another application")
    if info.member_id != member_id:
        raise InstallRefused(403, "member_mismatch", "the token belongs to another portal")
    if domain and info.domain.lower() != domain.strip().lower():
        raise InstallRefused(403, "domain_mismatch", "the token's portal has another domain")
    if not info.client_endpoint.startswith(("https://", "http://")):
        raise InstallRefused(403, "no_client_endpoint", "app.info named no portal endpoint")


def refused_address(exc: BaseException) -> None:
    """An address or scheme bitrix.egress refuses is the post's fault (403), not an outage."""
    reason = egress_refusal(exc)
    if reason is not None:
        raise InstallRefused(403, "portal_address_refused", reason) from None


async def fetch_app_info(session: aiohttp.ClientSession, server_endpoint: str, access_token: str,
                         timeout_s: float) -> AppInfo:
    """`app.info` at the OAuth server; the token goes in a POST body, never in a URL."""
    url = normalise_endpoint(server_endpoint) + "app.info"
    try:
        async with session.post(url, data={"auth": access_token}, headers=HEADERS, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            status = response.status
            body = None if 300 <= status < 400 else await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, OSError) as exc:
        refused_address(exc)
        raise InstallRefused(502, "oauth_unavailable", "the OAuth server could not be asked") from None
    if 300 <= status < 400:
        raise InstallRefused(502, "oauth_redirected", f"the OAuth server answered with a redirect ({status})")
    if status >= 500:
        raise InstallRefused(502, "oauth_unavailable", f"the OAuth server answered {status}")
    return parse_app_info(body)


async def fetch_is_admin(session: aiohttp.ClientSession, client_endpoint: str, access_token: str,
                         timeout_s: float) -> bool:
    """`user.admin` on the portal with the posted token: is the user behind it an administrator?
    Only an administrator may install or re-authorise the app (any user can open it)."""
    try:
        async with session.post(normalise_endpoint(client_endpoint) + "user.admin", json={"auth": access_token},
                                headers=HEADERS, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        refused_address(exc)
        raise InstallRefused(502, "portal_unavailable", "the portal could not be asked who the user is") from None
    if 300 <= status < 400:
        raise InstallRefused(502, "portal_redirected", f"the portal answered user.admin with a redirect ({status})")
    if status == 401:
        raise InstallRefused(401, "bad_token", "the portal did not accept the token")
    if status >= 500:
        raise InstallRefused(502, "portal_unavailable", f"the portal answered {status}")
    return isinstance(body, dict) and body.get("result") is True


async def exchange_refresh_token(session: aiohttp.ClientSession, settings: Settings,
                                 portal: Portal) -> dict[str, Any]:
    """A new pair from the portal's OAuth server (§2.3). A POST form keeps the client secret and
    the refresh token out of URL logs."""
    form = {"grant_type": "refresh_token", "client_id": settings.app_client_id,
            "client_secret": settings.app_client_secret, "refresh_token": portal.refresh_token}
    try:
        async with session.post(portal.oauth_token_url, data=form, headers=HEADERS, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=settings.rest_timeout_s)) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise PortalUnavailable("OAUTH_UNAVAILABLE", type(exc).__name__) from None
    if 300 <= status < 400:  # following it would re-send the client secret to wherever it points
        raise BitrixError("REDIRECT_REFUSED", f"the OAuth server answered {status}; token requests are never redirected",
                          status)
    if isinstance(body, dict) and body.get("access_token") and body.get("refresh_token"):
        return body
    code = str(body.get("error") or "") if isinstance(body, dict) else ""
    if code == "invalid_grant":
        raise ReauthRequired(code, "refresh token rejected", status)
    if status >= 500 or not isinstance(body, dict):
        raise PortalUnavailable(code or "OAUTH_UNAVAILABLE", "", status)
    raise BitrixError(code or "OAUTH_ERROR", str(body.get("error_description") or ""), status)


class TokenKeeper(Protocol):
    """Every write of a portal's tokens goes through one of these."""

    async def refreshed(self, member_id: str, failed_token: str) -> Portal:
        """The portal with a working access token; ReauthRequired if the refresh token is dead."""

    async def install(self, portal: Portal) -> Portal:
        """Store a verified installation (new tokens, status active, a newer generation)."""

    async def uninstall(self, member_id: str, event_at: float | None = None) -> Portal | None:
        """Mark the portal uninstalled and delete its tokens; unless `event_at` (unix seconds, when
        the uninstall was sent) precedes the portal's latest install: then it is left as it is."""


def next_installation(new: Portal, current: Portal | None) -> Portal:
    """`new` as the newest generation, active."""
    generation = max(new.generation, current.generation + 1 if current else 0)
    return replace(new, status="active", generation=generation)


def predates_install(event_at: float | None, current: Portal) -> bool:
    """An uninstall sent before the portal's latest install (a redelivery, or one still queued
    when the admin reinstalled) must not undo that install."""
    return event_at is not None and current.status != "uninstalled" and event_at < current.installed_at


def without_tokens(current: Portal) -> Portal:
    """Uninstalled: no OAuth pair and no application_token (a reinstall brings a new one)."""
    return replace(current, status="uninstalled", access_token="", refresh_token="",
                   application_token="", access_expires_at=0.0, generation=current.generation + 1)


class LocalTokens:
    """The keeper that writes the directory itself, one refresh per portal at a time."""

    def __init__(self, session: aiohttp.ClientSession, portals: PortalDirectory, settings: Settings) -> None:
        self.session, self.portals, self.settings = session, portals, settings
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def refreshed(self, member_id: str, failed_token: str) -> Portal:
        async with self._locks[member_id]:
            portal = self.portals.get(member_id)
            if portal is None or portal.status == "uninstalled":
                raise ReauthRequired("NOT_INSTALLED", "portal is not installed")
            if portal.access_token != failed_token and portal.status == "active":
                return portal  # refreshed (or reinstalled) while we waited
            if portal.status == "reauth_required":
                raise ReauthRequired("invalid_grant", "portal needs re-authorisation")
            try:
                tokens = await exchange_refresh_token(self.session, self.settings, portal)
            except ReauthRequired:
                TOKEN_REFRESHES.labels("reauth_required").inc()
                latest = self.portals.get(member_id)
                if latest is not None and latest.refresh_token != portal.refresh_token:
                    return latest  # another process rotated the pair meanwhile
                await self.portals.put(replace(portal, status="reauth_required",
                                               generation=portal.generation + 1))
                log.warning("refresh token rejected for portal %s: re-authorisation needed", member_id)
                raise
            except BaseException:
                TOKEN_REFRESHES.labels("failed").inc()
                raise
            TOKEN_REFRESHES.labels("ok").inc()
            portal = portal.with_tokens(tokens["access_token"], tokens["refresh_token"],
                                        float(tokens.get("expires_in") or 3600))
            await self.portals.put(portal)
            log.info("refreshed OAuth tokens for portal %s", member_id)
            return portal

    async def install(self, portal: Portal) -> Portal:
        async with self._locks[portal.member_id]:
            stored = next_installation(portal, self.portals.get(portal.member_id))
            await self.portals.put(stored)
            log.info("stored installation of portal %s (generation %d)", stored.member_id, stored.generation)
            return stored

    async def uninstall(self, member_id: str, event_at: float | None = None) -> Portal | None:
        async with self._locks[member_id]:
            current = self.portals.get(member_id)
            if current is None:
                return None
            if predates_install(event_at, current):
                log.info("portal %s: an uninstall from before its latest install is ignored", member_id)
                return current
            if current.status != "uninstalled" or current.access_token or current.application_token:
                current = without_tokens(current)
                await self.portals.put(current)
                log.info("portal %s uninstalled; its tokens are deleted", member_id)
            return current
