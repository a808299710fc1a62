"""`POST /app/placement`: what Bitrix24 posts into a CRM detail tab (docs/bitrix24-api.md §5.2), checked
with the portal before anything in it is trusted (§5.3), and the widget page it gets back.

Nothing in the post is believed on its own: the portal is looked up by member_id and only its
STORED client_endpoint is called (never the posted DOMAIN or SERVER_ENDPOINT: SSRF and forgery
bait). With the posted AUTH_ID, in one `batch` request: `app.info` proves the token was issued to
this app on this portal, `user.current` / `user.admin` say who it is, and reading the CRM entity
proves that user may see the card they claim to have opened. (UNCONFIRMED on a real portal that
app.info answers inside a batch; the sandbox does.)

Every call goes through the process's limiter for the portal (bitrix.limits: usually the side
budget, as the dashboard rarely runs in the portal's owner worker), waiting at most
`rest_side_wait_s` before the tab is answered 503 with Retry-After; a placement verified once is
remembered for the session's lifetime (dashboard.verified), so a reload costs no calls."""
from __future__ import annotations

import asyncio
import hmac
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import aiohttp
from yarl import URL

from bitrix.client import batch_command, batch_outcome
from bitrix.egress import egress_refusal
from bitrix.errors import AccessDenied, NotFound, PortalUnavailable, RateLimited, TokenExpired, classify
from bitrix.limits import PortalLimits
from bitrix.portals import ACCEPTING_STATUSES, Portal
from dashboard.verified import VerifiedPlacements
from httpapi.errors import Busy, Refused
from streams.settings import Settings

PLACEMENTS = {"CRM_CONTACT_DETAIL_TAB": "contact", "CRM_DEAL_DETAIL_TAB": "deal"}
LANGS = ("en", "ru")
TEMPLATE = Path(__file__).with_name("templates") / "widget.html"
FALLBACK_PAGE = ('<!doctype html><html lang="$lang"><meta charset="utf-8"><title>AICA</title>'
                 '<main id="aica" data-session="$session" data-lang="$lang" data-entity-type="$entity_type"'
                 ' data-entity-id="$entity_id" data-api-base="$api_base">AICA</main></html>')
# Portals in a frame may only be framed by their own portal; everything else is same-origin.
WIDGET_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
              " media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {origin}")


class PortalRedirected(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"redirect {status}")
        self.status = status


@dataclass(frozen=True)
class PlacementPost:
    member_id: str
    auth_id: str
    entity_type: str
    entity_id: int
    lang: str
    application_token: str | None


@dataclass(frozen=True)
class PortalUser:
    user_id: int
    is_admin: bool


def parse_placement(form: Mapping[str, str], query: Mapping[str, str]) -> PlacementPost:
    """The fields the tab needs, shape-checked only (400 when malformed); trust comes later."""
    member_id, auth_id = str(form.get("member_id") or ""), str(form.get("AUTH_ID") or "")
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", member_id) or not auth_id:
        raise Refused(400, "malformed_placement", "member_id and AUTH_ID are required")
    entity_type = PLACEMENTS.get(str(form.get("PLACEMENT") or ""))
    if entity_type is None:
        raise Refused(400, "unsupported_placement", "only contact and deal detail tabs are served")
    try:
        options = json.loads(str(form.get("PLACEMENT_OPTIONS") or "{}"))
        entity_id = int(str(options.get("ID")))
    except (ValueError, TypeError, AttributeError):
        raise Refused(400, "malformed_placement", "PLACEMENT_OPTIONS must be JSON with the entity ID") from None
    if entity_id <= 0:
        raise Refused(400, "malformed_placement", "the entity ID must be positive")
    lang = str(query.get("LANG") or form.get("LANG") or "en").lower()[:2]
    return PlacementPost(member_id, auth_id, entity_type, entity_id, lang if lang in LANGS else "en",
                         form.get("APPLICATION_TOKEN") or None)


def frame_origin(portal: Portal) -> str:
    """The stored portal's origin for frame-ancestors: https://<domain>, or the scheme, host and
    port of a plain-http sandbox portal."""
    url = URL(portal.client_endpoint)
    if url.scheme == "https" and url.port in (None, 443):
        return f"https://{portal.domain.lower()}"
    return str(url.origin())


@dataclass(frozen=True)
class PortalAccess:
    """How this process calls portals for placement checks: its HTTP session, its limiters and
    how long a tab may wait for them, and the placements already verified."""
    http: aiohttp.ClientSession
    limits: PortalLimits
    wait_s: float
    verified: VerifiedPlacements[PortalUser]

    @classmethod
    def of(cls, http: aiohttp.ClientSession, settings: Settings, limits: PortalLimits | None = None) -> PortalAccess:
        return cls(http, limits or PortalLimits(settings), settings.rest_side_wait_s,
                   VerifiedPlacements(settings.dashboard_session_ttl_s))


async def portal_call(access: PortalAccess, portal: Portal, method: str, params: dict[str, Any],
                      auth_id: str) -> Any:
    """One REST call on the stored client_endpoint with the user's token (not the app's), once
    the portal's limiter has room (LocalRateLimited if not within access.wait_s)."""
    await access.limits.acquire(portal.member_id, access.wait_s)
    http = access.http
    try:
        async with http.post(portal.client_endpoint + method, json={**params, "auth": auth_id},
                             allow_redirects=False) as response:
            if 300 <= response.status < 400:  # following it would hand the user's token on
                raise PortalRedirected(response.status)
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            if response.status >= 400 or not isinstance(body, dict) or "error" in body:
                raise classify(response.status, body)
            return body.get("result")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        reason = egress_refusal(exc)
        if reason is not None:
            raise Refused(403, "portal_address_refused", reason) from None
        raise PortalUnavailable("CONNECTION_ERROR", "portal unreachable") from None


def raise_refusals(results: list[Any]) -> None:
    """What any failed call means for the whole check, before the calls' own answers are read."""
    for result in results:  # the token's verdict first: an expired AUTH_ID is a 401 whatever else failed
        if isinstance(result, TokenExpired):
            raise Refused(401, "auth_rejected", "the portal did not accept AUTH_ID")
    for result in results:
        if isinstance(result, Refused):
            raise result
        if isinstance(result, PortalRedirected):
            raise Refused(502, "portal_redirected", f"the portal answered {result.status}; its checks never follow redirects")
        if isinstance(result, RateLimited):  # ours (LocalRateLimited) or the portal's own 503
            raise Busy("portal_busy", "the portal's rate limit is used up for now; open the tab again shortly",
                       result.retry_after_s or 2.0)


def readable_entity(entity: Any) -> None:
    if isinstance(entity, PortalUnavailable):
        raise Refused(502, "portal_unavailable", "the portal could not be reached")
    if isinstance(entity, (AccessDenied, NotFound)) or not isinstance(entity, dict):
        raise Refused(403, "entity_not_readable", "this user cannot open that CRM entity")


async def verify_placement(access: PortalAccess, portal: Portal | None, post: PlacementPost,
                           client_id: str, now: float) -> PortalUser:
    """Who opened the tab, as the portal itself says; Refused otherwise."""
    if portal is None or portal.status not in ACCEPTING_STATUSES:
        raise Refused(403, "unknown_portal", "the app is not installed on this portal")
    if post.application_token is not None and not hmac.compare_digest(
            post.application_token.encode(), portal.application_token.encode()):
        raise Refused(403, "bad_application_token", "APPLICATION_TOKEN does not match the installed portal")
    wanted = (post.entity_type, post.entity_id)
    read_entity = (f"crm.{post.entity_type}.get", {"id": post.entity_id})
    verdict = access.verified.get(portal, post.auth_id, now)
    if verdict is not None:  # the token and its user are known: at most the new card is asked about
        if wanted not in verdict.entities:
            results = await asyncio.gather(portal_call(access, portal, *read_entity, post.auth_id),
                                           return_exceptions=True)
            raise_refusals(results)
            readable_entity(results[0])
            access.verified.remember(portal, post.auth_id, verdict.user, wanted, now)
        return verdict.user
    # One request of the portal's rate limit, not four: the commands of a batch run with its token.
    checks = {"app": ("app.info", {}), "user": ("user.current", {}), "admin": ("user.admin", {}),
              "entity": read_entity}
    [answer] = await asyncio.gather(portal_call(access, portal, "batch", {"halt": 0, "cmd": {
        name: batch_command(method, params) for name, (method, params) in checks.items()}}, post.auth_id),
        return_exceptions=True)
    raise_refusals([answer])
    if isinstance(answer, PortalUnavailable):
        raise Refused(502, "portal_unavailable", "the portal could not be reached")
    if isinstance(answer, BaseException):
        raise Refused(403, "auth_rejected", "the portal did not confirm AUTH_ID")
    results, errors = batch_outcome(answer)
    app, user, admin = (results.get(name) for name in ("app", "user", "admin"))
    if errors.keys() & {"app", "user", "admin"} or not isinstance(app, dict):
        raise Refused(403, "auth_rejected", "the portal did not confirm AUTH_ID")
    install = app.get("install") or {}
    if str(app.get("client_id")) != client_id or str(install.get("member_id")) != portal.member_id:
        raise Refused(403, "foreign_token", "AUTH_ID was not issued to this app on this portal")
    readable_entity(errors.get("entity") or results.get("entity"))
    try:
        checked = PortalUser(int(user["ID"]), admin is True)
    except (KeyError, TypeError, ValueError):
        raise Refused(403, "auth_rejected", "user.current gave no user") from None
    access.verified.remember(portal, post.auth_id, checked, wanted, now)
    return checked


def render_widget(values: Mapping[str, str], template_path: Path = TEMPLATE) -> str:
    """widget.html with `$session`-style placeholders, every value HTML-escaped."""
    try:
        text = template_path.read_text(encoding="utf-8")
    except OSError:
        text = FALLBACK_PAGE
    return Template(text).safe_substitute({k: html.escape(str(v), quote=True) for k, v in values.items()})


def refusal_page(refusal: Refused) -> str:
    return (f'<!doctype html><html><meta charset="utf-8"><title>AICA</title><body><p>AICA: '
            f'{html.escape(refusal.reason)} ({refusal.status} {html.escape(refusal.code)}).</p></body></html>')
