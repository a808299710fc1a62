"""App lifecycle at the gateway (docs/bitrix24-api.md §1.5, §1.6, §2.1, §5.3).

`POST /b24/install` takes the background install callback (`auth[...]`, ONAPPINSTALL) and the frame
form (`AUTH_ID`, `REFRESH_ID`, `member_id`, `DOMAIN` in the query). Nothing in a post is trusted:
its OAuth server must be on our allowlist, `app.info` there must say the token is ours and the
portal's, `user.admin` on the portal must say its user is an administrator (any user can open an
app; only an admin may install or re-authorise it), and only then are tokens, endpoints
(`client_endpoint` from app.info) and the application_token stored, through the token agent, and
the portal set up. Install posts are rate-limited per client address and per portal, and every
call to the portal (user.admin, setup) takes the process's limiter for it (bitrix.limits: the
gateway's side budget), waiting at most rest_side_wait_s for `user.admin` before answering 503. ONAPPINSTALL and
ONAPPUPDATE arriving as events take the same path; ONAPPUNINSTALL (proven by application_token
only) is published for the worker, carrying data[CLEAN]."""
from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import aiohttp
from aiohttp import web

from bitrix.client import RestClient
from bitrix.egress import portal_session
from bitrix.errors import BitrixError, PortalUnavailable
from bitrix.fields import wanted_fields
from bitrix.limits import LocalRateLimited, PortalLimits
from bitrix.oauth import (InstallRefused, LocalTokens, TokenKeeper, check_app_info, fetch_app_info,
                          fetch_is_admin, normalise_endpoint, server_endpoint_allowed)
from bitrix.portals import Portal
from bitrix.setup import SetupFailed, setup_portal
from httpapi.errors import Busy, Refused
from httpapi.ratelimit import PostLimits
from gateway import install_page as install_page_view
from gateway.intake import accept, read_form
from gateway.keys import PORTALS, SETTINGS
from gateway.mapping import uninstall_record
from gateway.verify import verify_portal

log = logging.getLogger(__name__)

HTTP = web.AppKey("install_http", aiohttp.ClientSession)
TOKENS = web.AppKey("tokens", object)  # a bitrix.oauth.TokenKeeper
REST = web.AppKey("install_rest", RestClient)
WANTED_FIELDS = web.AppKey("wanted_fields", dict)
INSTALL_LIMITS = web.AppKey("install_limits", PostLimits)
INSTALL_EVENTS = frozenset({"ONAPPINSTALL", "ONAPPUPDATE"})
FRAME = "FRAME"


class TokenStoreUnavailable(Refused):
    """503 with Retry-After: the install was verified, but nobody stored its tokens in time."""
    retry_after_s = 10.0

    def __init__(self, code: str) -> None:
        super().__init__(503, code.lower(), "the token store did not answer in time; "
                                            "nothing was changed, post the install again shortly")


@dataclass(frozen=True)
class InstallPost:
    """What an install post claims; checked against app.info before anything is stored."""
    event: str  # ONAPPINSTALL | ONAPPUPDATE | FRAME
    member_id: str
    domain: str
    server_endpoint: str
    access_token: str
    refresh_token: str
    expires_in: float
    application_token: str  # may be empty on frame posts of older portals

    def __repr__(self) -> str:  # never print tokens
        return f"InstallPost(event={self.event!r}, member_id={self.member_id!r}, domain={self.domain!r})"


def _field(node: Mapping[str, Any], name: str, label: str) -> str:
    value = node.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refused(400, "missing_field", f"{label} is required")
    return value.strip()


def _expires(value: Any) -> float:
    text = str(value or "3600").strip()
    return float(text) if text.isdigit() and 0 < int(text) <= 86400 else 3600.0


def parse_install_post(form: Mapping[str, Any], query: Mapping[str, str]) -> InstallPost:
    """The background form (`event` + `auth[...]`) or the frame form (`AUTH_ID`, `DOMAIN` query)."""
    auth = form.get("auth")
    if isinstance(auth, dict):
        event = str(form.get("event") or "ONAPPINSTALL").strip().upper()
        if event not in INSTALL_EVENTS:
            raise Refused(400, "unsupported_event", "install posts are ONAPPINSTALL or ONAPPUPDATE")
        return InstallPost(event, _field(auth, "member_id", "auth[member_id]"),
                           _field(auth, "domain", "auth[domain]"),
                           _field(auth, "server_endpoint", "auth[server_endpoint]"),
                           _field(auth, "access_token", "auth[access_token]"),
                           _field(auth, "refresh_token", "auth[refresh_token]"),
                           _expires(auth.get("expires_in")),
                           _field(auth, "application_token", "auth[application_token]"))
    return InstallPost(FRAME, _field(form, "member_id", "member_id"), _field(query, "DOMAIN", "DOMAIN"),
                       _field(form, "SERVER_ENDPOINT", "SERVER_ENDPOINT"), _field(form, "AUTH_ID", "AUTH_ID"),
                       _field(form, "REFRESH_ID", "REFRESH_ID"), _expires(form.get("AUTH_EXPIRES")),
                       str(form.get("APPLICATION_TOKEN") or "").strip())


def chosen_application_token(post: InstallPost, current: Portal | None) -> str:
    """ONAPPINSTALL carries the token to keep (§1.6): only an admin-verified (re)install replaces a
    stored one. ONAPPUPDATE and frame posts may only repeat it (§5.3)."""
    if post.event == "ONAPPINSTALL" or not current or not current.application_token:
        return post.application_token
    if post.application_token and not hmac.compare_digest(post.application_token.encode(),
                                                          current.application_token.encode()):
        raise Refused(403, "application_token_mismatch", "APPLICATION_TOKEN is not the installed one")
    return current.application_token


def replaces_tokens(post: InstallPost, current: Portal | None) -> bool:
    """Install events always store. A frame post (any user opening the app) stores only when the
    portal has no working tokens: new, uninstalled, or waiting for re-authorization."""
    return post.event != FRAME or current is None or current.status != "active"


def portal_from(post: InstallPost, client_endpoint: str, domain: str, application_token: str,
                now: float) -> Portal:
    return Portal(member_id=post.member_id, domain=domain, client_endpoint=client_endpoint,
                  server_endpoint=normalise_endpoint(post.server_endpoint),
                  application_token=application_token, access_token=post.access_token,
                  refresh_token=post.refresh_token, access_expires_at=now + post.expires_in,
                  installed_at=now)


async def require_admin(app: web.Application, post: InstallPost, current: Portal | None,
                        info_endpoint: str) -> None:
    """app.info proves client, member and domain, not who the user is: `user.admin` with the posted
    token does. Asked on the STORED endpoint of a known portal (the post cannot redirect it), and
    on the one app.info vouched for when the portal is new."""
    endpoint = current.client_endpoint if current is not None and current.client_endpoint else info_endpoint
    try:
        await app[REST].limits.acquire(post.member_id, app[SETTINGS].rest_side_wait_s)
    except LocalRateLimited as busy:
        raise Busy("portal_busy", "the portal's rate limit is used up for now; post the install again shortly",
                   busy.retry_after_s or 5.0) from None
    try:
        admin = await fetch_is_admin(app[HTTP], endpoint, post.access_token, app[SETTINGS].rest_timeout_s)
    except InstallRefused as refused:
        raise Refused(refused.status, refused.code, refused.reason) from None
    if not admin:
        log.warning("install: %s for portal %s by a non-admin refused", post.event, post.member_id)
        raise Refused(403, "admin_required", "only a portal administrator may install or re-authorise the app")


async def install_outcome(app: web.Application, post: InstallPost) -> tuple[int, dict[str, Any]]:
    """Verify the post, store the portal and set it up: (HTTP status, body). Raises Refused."""
    settings, portals = app[SETTINGS], app[PORTALS]
    if not server_endpoint_allowed(post.server_endpoint, settings.oauth_server_endpoints):
        raise Refused(403, "server_endpoint_not_allowed", "SERVER_ENDPOINT is not a trusted OAuth server")
    try:
        info = await fetch_app_info(app[HTTP], post.server_endpoint, post.access_token, settings.rest_timeout_s)
        check_app_info(info, client_id=settings.app_client_id, member_id=post.member_id, domain=post.domain)
    except InstallRefused as refused:
        raise Refused(refused.status, refused.code, refused.reason) from None
    current = portals.get(post.member_id)
    await require_admin(app, post, current, info.client_endpoint)
    application_token = chosen_application_token(post, current)
    if not replaces_tokens(post, current):
        log.info("install: portal %s verified (%s); its stored tokens are kept", post.member_id, post.event)
        return 200, {"status": "verified", "member_id": post.member_id}
    try:
        stored = await app[TOKENS].install(portal_from(post, info.client_endpoint, info.domain,
                                                       application_token, time.time()))
    except PortalUnavailable as exc:  # the token agent is slow or away (e.g. a worker restarting)
        log.warning("install: portal %s not stored: %s", post.member_id, exc.code)
        raise TokenStoreUnavailable(exc.code) from None
    log.info("install: portal %s stored (%s, generation %d)", post.member_id, post.event, stored.generation)
    try:
        report = await setup_portal(app[REST], post.member_id, settings.public_url, app[WANTED_FIELDS])
    except (SetupFailed, BitrixError) as exc:
        # Stored but not set up: the next install post or app opening runs setup again.
        log.warning("install: setup of portal %s failed: %s", post.member_id, exc)
        return 502, {"status": "installed", "member_id": post.member_id,
                     "error": "setup_failed", "reason": str(exc)[:500]}
    return 200, {"status": "installed", "member_id": post.member_id,
                 "generation": stored.generation, "setup": report.as_dict()}


async def install_verified(app: web.Application, post: InstallPost) -> web.Response:
    status, body = await install_outcome(app, post)
    return web.json_response(body, status=status)


async def install_page(app: web.Application, post: InstallPost, query: Mapping[str, str]) -> web.Response:
    """The frame form: the portal shows the answer to the admin, so it is a page (gateway.install_page)
    that finishes the install, or says why it did not."""
    try:
        status, body = await install_outcome(app, post)
    except Refused as refusal:
        status, body = refusal.status, {"error": refusal.code, "reason": refusal.reason}
        log.info("install page: refused %d %s", refusal.status, refusal.code)
    stored = app[PORTALS].get(post.member_id) if status < 400 or status == 502 else None
    ancestors = (install_page_view.portal_origin(stored.client_endpoint) if stored is not None
                 else install_page_view.posted_origin(post.domain, str(query.get("PROTOCOL", "1"))))
    page, headers = install_page_view.render(status, body, ancestors)
    return web.Response(text=page, status=status, content_type="text/html", headers=headers)


async def receive_install(request: web.Request) -> web.Response:
    """JSON for the background callback (`auth[...]`), an HTML page for the frame form."""
    form = await read_form(request, request.app[SETTINGS].max_body_bytes)
    post = parse_install_post(form, request.query)
    await request.app[INSTALL_LIMITS].take(request.remote, post.member_id)
    if post.event == FRAME:
        return await install_page(request.app, post, request.query)
    return await install_verified(request.app, post)


async def receive_lifecycle_event(request: web.Request, form: dict[str, Any], event: str) -> web.Response:
    """ONAPPINSTALL/ONAPPUPDATE/ONAPPUNINSTALL posted to /b24/events (raises Refused)."""
    if event in INSTALL_EVENTS:
        post = parse_install_post(form, {})
        await request.app[INSTALL_LIMITS].take(request.remote, post.member_id)
        return await install_verified(request.app, post)
    auth = form.get("auth") if isinstance(form.get("auth"), dict) else {}
    portal = verify_portal(request.app[PORTALS].get(_field(auth, "member_id", "auth[member_id]")),
                           _field(auth, "application_token", "auth[application_token]"),
                           _field(auth, "domain", "auth[domain]"))
    record = uninstall_record(form, portal.domain, datetime.now(timezone.utc))
    log.info("uninstall of portal %s received (clean=%s)", portal.member_id, record["clean"])
    return await accept(request.app, record)


def install_context(tokens: TokenKeeper | None,
                    limits: PortalLimits) -> Callable[[web.Application], AsyncIterator[None]]:
    """An HTTP session for app.info and setup, the token keeper (in-process unless given), and a
    REST client that refreshes through it and takes the process's limiters."""
    async def context(app: web.Application) -> AsyncIterator[None]:
        from catalog.projects import load_catalog
        settings = app[SETTINGS]
        async with portal_session(settings, timeout=aiohttp.ClientTimeout(total=settings.rest_timeout_s)) as http:
            keeper = tokens or LocalTokens(http, app[PORTALS], settings)
            app[HTTP], app[TOKENS] = http, keeper
            app[REST] = RestClient(http, app[PORTALS], settings, tokens=keeper, limits=limits)
            app[WANTED_FIELDS] = wanted_fields(load_catalog(settings))
            app[INSTALL_LIMITS] = PostLimits(settings.install_posts_per_ip_per_min,
                                             settings.install_posts_per_portal_per_min)
            yield
    return context
