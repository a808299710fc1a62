"""Thin async Bitrix24 REST client, one instance per process, many portals (docs/bitrix24-api.md §6, §7).

Per portal: the process's leaky-bucket limiter (bitrix.limits), a single-flight OAuth refresh (refresh
tokens rotate, so two refreshes would lose one), typed errors. Tokens are never logged; URLs of
downloads are never logged either (they carry a token).

Kept as one module (~330 lines, OAuth and webhook portals): rate limit, token refresh, retry and download share the per-portal
state of one client, and splitting them would spread one portal's traffic rules over files."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from yarl import URL

from bitrix.errors import (AccessDenied, BitrixError, ForeignUrl, NotFound, PortalUnavailable,
                           RateLimited, ReauthRequired, TokenExpired, TooLarge, classify)
from bitrix.egress import egress_refusal
from bitrix.forms import flatten
from bitrix.limits import PortalLimits
from bitrix.oauth import HEADERS, LocalTokens, TokenKeeper
from bitrix.portals import Portal, PortalDirectory
from bitrix.webhooks import explained
from streams.metrics import REST_CALLS, rest_outcome
from streams.settings import Settings

__all__ = ["AccessDenied", "BitrixError", "DownloadResult", "ForeignUrl", "NotFound",
           "PortalUnavailable", "RateLimited", "ReauthRequired", "RestClient", "TokenExpired",
           "TooLarge", "batch_command", "batch_outcome", "classify", "same_portal_url", "with_auth"]
log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BATCH = 50
CHUNK = 64 * 1024
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def batch_command(method: str, params: dict[str, Any]) -> str:
    """`crm.activity.get?id=1`: a batch `cmd` value with PHP-bracket params."""
    return f"{method}?{urlencode(flatten(params))}" if params else method


def batch_outcome(body: Any) -> tuple[dict[str, Any], dict[str, BitrixError]]:
    """A `batch` result: each command's result, and each failed command's error."""
    body = body if isinstance(body, dict) else {}
    errors = {name: classify(0, error) for name, error in _keyed(body.get("result_error")).items()}
    return _keyed(body.get("result")), errors


def with_auth(url: str, token: str) -> str:
    """FILES[].url ends with `auth=`: the token goes there."""
    if url.endswith("auth="):
        return url + quote(token, safe="")
    return str(URL(url, encoded=True).update_query(auth=token))


def same_portal_url(url: str, client_endpoint: str) -> str:
    """The URL if it is on the portal's own host (upgraded to https when the portal is https),
    else ForeignUrl: recordings are fetched only from the portal that sent the event."""
    target, portal = URL(url, encoded=True), URL(client_endpoint)
    if (not target.absolute or target.user or target.password
            or target.scheme not in ("http", "https")
            or (target.host or "").lower() != (portal.host or "").lower()):
        raise ForeignUrl("FOREIGN_URL", "download URL is not on the portal's host")
    if portal.scheme == "https" and target.scheme == "http":
        target = target.with_scheme("https")
    if target.port != portal.port:
        raise ForeignUrl("FOREIGN_URL", "download URL is not on the portal's host")
    return str(target)


def redirect_refused(status: int) -> BitrixError:
    """Permanent: a portal that redirects its REST endpoint will not stop doing so on a retry."""
    return BitrixError("REDIRECT_REFUSED", f"the portal answered {status}; requests to it never follow redirects",
                       status)


def connection_failure(exc: BaseException, code: str) -> BitrixError:
    """A refused address or scheme (bitrix.egress) is permanent; anything else is a transient outage."""
    reason = egress_refusal(exc)
    if reason is not None:
        return ForeignUrl("FORBIDDEN_ADDRESS", reason)
    return PortalUnavailable(code, type(exc).__name__)


@dataclass(frozen=True)
class DownloadResult:
    sha256: str
    size_bytes: int
    content_type: str


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


class PortalRest(Protocol):
    """What the stages need of a portal's REST API: RestClient in production, fakes in tests."""

    async def call(self, member_id: str, method: str, params: dict[str, Any] | None = None) -> Any: ...

    async def batch(self, member_id: str, cmds: dict[str, tuple[str, dict[str, Any]]],
                    halt: bool = False) -> tuple[dict[str, Any], dict[str, BitrixError]]: ...

    async def download(self, member_id: str, url: str, dest: Path, max_bytes: int) -> DownloadResult: ...


class RestClient:
    def __init__(self, session: aiohttp.ClientSession, portals: PortalDirectory, settings: Settings,
                 *, rate_limit_retries: int = 4, backoff_s: float = 1.0,
                 tokens: TokenKeeper | None = None, limits: PortalLimits | None = None) -> None:
        self._session, self._portals, self._settings = session, portals, settings
        # The process's one limiter per portal (bitrix.limits), shared with its other callers of
        # portals; a client of its own (tests, one-off commands) owns every portal's budget.
        self.limits = limits or PortalLimits(settings)
        # In-process by default (tests, one process); workers and the gateway pass
        # control.tokens.KafkaTokens so one writer per portal refreshes across processes.
        self._tokens = tokens or LocalTokens(session, portals, settings)
        self._retries, self._backoff_s = rate_limit_retries, backoff_s
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._timeout = aiohttp.ClientTimeout(total=settings.rest_timeout_s)

    async def close(self) -> None:
        """Close the HTTP session (the client's owner created it for this client)."""
        await self._session.close()

    # public API -------------------------------------------------------------------------------
    async def call(self, member_id: str, method: str, params: dict[str, Any] | None = None) -> Any:
        return (await self.call_full(member_id, method, params))["result"]

    async def call_full(self, member_id: str, method: str,
                        params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole response: `result`, and for list methods `next` and `total`."""
        return await self._authorized(
            member_id, lambda portal: self._post(portal, method, params or {}), limited=True)

    async def list_all(self, member_id: str, method: str,
                       params: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        """Each page's `result`, following `next` until the last page."""
        params = dict(params or {})
        while True:
            body = await self.call_full(member_id, method, params)
            yield body["result"]
            if body.get("next") is None:
                return
            params["start"] = body["next"]

    async def batch(self, member_id: str, cmds: dict[str, tuple[str, dict[str, Any]]],
                    halt: bool = False) -> tuple[dict[str, Any], dict[str, BitrixError]]:
        if len(cmds) > MAX_BATCH:
            raise ValueError(f"batch takes at most {MAX_BATCH} commands, got {len(cmds)}")
        cmd = {name: batch_command(method, params) for name, (method, params) in cmds.items()}
        results, errors = batch_outcome(await self.call(member_id, "batch", {"halt": int(halt), "cmd": cmd}))
        if self._portal(member_id).uses_webhook:
            errors = {name: explained(error) for name, error in errors.items()}
        return results, errors

    async def download(self, member_id: str, url: str, dest: Path, max_bytes: int) -> DownloadResult:
        portal = self._portal(member_id)
        checked = same_portal_url(url, portal.client_endpoint)
        if portal.uses_webhook:  # FILES[].url wants an OAuth token: a webhook takes Disk's link
            return await self._fetch(portal, await self._disk_link(portal, checked), dest, max_bytes,
                                     authorize=False)
        return await self._authorized(
            member_id, lambda portal: self._fetch(portal, checked, dest, max_bytes), limited=False)

    async def _disk_link(self, portal: Portal, file_url: str) -> str:
        """FILES[].id is the recording's Disk file id (docs/bitrix24-api.md §3.3); `disk.file.get`
        names a signed DOWNLOAD_URL on the portal (UNCONFIRMED on real portals for telephony records)."""
        file_id = URL(file_url, encoded=True).query.get("fileId", "")
        if not file_id.isdigit():
            raise NotFound("NOT_FOUND", "the recording's URL names no fileId")
        info = await self.call(portal.member_id, "disk.file.get", {"id": int(file_id)})
        link = str((info or {}).get("DOWNLOAD_URL") or "") if isinstance(info, dict) else ""
        if not link:
            raise NotFound("NOT_FOUND", "disk.file.get gave no DOWNLOAD_URL for the recording")
        return same_portal_url(link, portal.client_endpoint)

    # plumbing ---------------------------------------------------------------------------------
    def _portal(self, member_id: str) -> Portal:
        portal = self._portals.get(member_id)
        if portal is None or portal.status == "uninstalled":
            raise AccessDenied("NOT_INSTALLED", "portal is not installed")
        if portal.status == "reauth_required":
            raise ReauthRequired("invalid_grant", "portal needs re-authorisation")
        return portal

    async def _authorized(self, member_id: str, send: Callable[[Portal], Awaitable[T]],
                          limited: bool) -> T:
        """Send; on an expired token refresh once (single-flight) and send once more."""
        portal = self._portal(member_id)
        if portal.uses_webhook:  # no token to refresh; _post already made auth errors permanent
            return await self._patiently(portal, send, limited)
        try:
            return await self._patiently(portal, send, limited)
        except TokenExpired:
            portal = await self._refresh(member_id, failed_token=portal.access_token)
            return await self._patiently(portal, send, limited)

    async def _patiently(self, portal: Portal, send: Callable[[Portal], Awaitable[T]],
                         limited: bool) -> T:
        """Within our own bucket; if the portal still says QUERY_LIMIT_EXCEEDED, back off."""
        def worth_waiting(exc: BaseException) -> bool:
            return isinstance(exc, RateLimited) and exc.retry_after_s is None

        async for attempt in AsyncRetrying(
                retry=retry_if_exception(worth_waiting), reraise=True,
                stop=stop_after_attempt(self._retries + 1),
                wait=wait_exponential_jitter(initial=self._backoff_s, max=30 * self._backoff_s,
                                             jitter=self._backoff_s)):
            with attempt:
                if limited:
                    await self.limits.acquire(portal.member_id)
                return await send(portal)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _post(self, portal: Portal, method: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            body = await self._post_once(portal, method, params)
        except BaseException as exc:
            REST_CALLS.labels(portal.member_id, rest_outcome(exc)).inc()
            raise
        REST_CALLS.labels(portal.member_id, "ok").inc()
        return body

    async def _post_once(self, portal: Portal, method: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            # Never follow a redirect: a 307/308 would re-send the token, a 301/302 become a GET.
            # A webhook's URL is its credential: the method goes after it, and no `auth`.
            url, body = ((portal.webhook_url + method, params) if portal.uses_webhook
                         else (portal.client_endpoint + method, {**params, "auth": portal.access_token}))
            async with self._session.post(url, headers=HEADERS, json=body,
                                          timeout=self._timeout, allow_redirects=False) as response:
                if response.status in REDIRECTS:
                    raise redirect_refused(response.status)
                answer = await _json_or_none(response)
                if response.status >= 400 or not isinstance(answer, dict) or "error" in answer:
                    error = classify(response.status, answer, response.headers.get("Retry-After"))
                    raise explained(error) if portal.uses_webhook else error
                return answer
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise connection_failure(exc, "CONNECTION_ERROR") from None

    async def _refresh(self, member_id: str, failed_token: str) -> Portal:
        """Single-flight in this process: 50 callers with the same dead token make one request."""
        async with self._locks[member_id]:
            portal = self._portal(member_id)
            if portal.access_token != failed_token:  # someone refreshed while we waited
                return portal
            return await self._tokens.refreshed(member_id, failed_token)

    async def _fetch(self, portal: Portal, url: str, dest: Path, max_bytes: int,
                     authorize: bool = True) -> DownloadResult:
        """Stream into a temp file beside dest, then rename: a reader never sees half a file.
        `authorize`: put the access token in the URL's `auth` (a signed Disk link needs none)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        timeout = aiohttp.ClientTimeout(sock_connect=self._settings.rest_timeout_s,
                                        sock_read=self._settings.rest_timeout_s)
        try:
            with os.fdopen(fd, "wb") as out:
                async with await self._get_on_portal(
                        portal, with_auth(url, portal.access_token) if authorize else url, timeout) as response:
                    if response.status >= 400:
                        raise classify(response.status, await _json_or_none(response))
                    if response.content_type == "text/html":  # a login or error page, not audio
                        raise PortalUnavailable("HTML_INSTEAD_OF_FILE", "", response.status)
                    result = await _copy(response, out, max_bytes)
            os.replace(tmp_name, dest)
            return result
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise connection_failure(exc, "DOWNLOAD_FAILED") from None
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)


    async def _get_on_portal(self, portal: Portal, url: str,
                             timeout: aiohttp.ClientTimeout) -> aiohttp.ClientResponse:
        """GET that never leaves the portal: aiohttp would follow a redirect anywhere (an internal
        address, say), so each hop is followed by hand and only to the portal's own host."""
        target = URL(url, encoded=True)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._session.get(target, headers={**HEADERS, "Accept": "*/*"},
                                               timeout=timeout, allow_redirects=False)
            if response.status not in REDIRECTS:
                return response
            location = response.headers.get("Location", "")
            response.release()
            if not location:
                raise PortalUnavailable("BAD_REDIRECT", "redirect without Location", response.status)
            target = URL(same_portal_url(str(target.join(URL(location, encoded=True))),
                                         portal.client_endpoint), encoded=True)
        raise PortalUnavailable("TOO_MANY_REDIRECTS", "", 0)


async def _copy(response: aiohttp.ClientResponse, out: Any, max_bytes: int) -> DownloadResult:
    if response.content_length is not None and response.content_length > max_bytes:
        raise TooLarge("TOO_LARGE", f"recording is over {max_bytes} bytes")
    digest, size = hashlib.sha256(), 0
    async for chunk in response.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge("TOO_LARGE", f"recording is over {max_bytes} bytes")
        digest.update(chunk)
        out.write(chunk)
    return DownloadResult(digest.hexdigest(), size, response.content_type)


def _keyed(value: Any) -> dict[str, Any]:
    """PHP sends an empty or integer-keyed array as a JSON list."""
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return dict(value or {})
