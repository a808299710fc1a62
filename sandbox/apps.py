"""The app's side of the sandbox portal: event and placement bindings (REST, docs/bitrix24-api.md §1.7,
§5.1) and the install and uninstall scenarios (`/_sandbox/install`, `/_sandbox/uninstall`), which
POST the forms Bitrix24 sends (§1.5, §2.1) to the product's handler."""
from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bitrix.forms import flatten
from sandbox import frames
from sandbox.keys import HTTP, STATE
from sandbox.scenario import read_json_object
from sandbox.state import SandboxState
from sandbox.wire import RestError

KNOWN_EVENTS = {"ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE", "ONCRMACTIVITYDELETE", "ONAPPUNINSTALL",
                "ONAPPUPDATE", "ONAPPTEST", "ONVOXIMPLANTCALLEND", "ONCRMCONTACTUPDATE", "ONCRMDEALUPDATE"}
KNOWN_PLACEMENTS = {"CRM_CONTACT_DETAIL_TAB", "CRM_DEAL_DETAIL_TAB", "CRM_LEAD_DETAIL_TAB",
                    "CRM_COMPANY_DETAIL_TAB", "DEFAULT"}
HANDLER_TIMEOUT_S = 60.0
routes = web.RouteTableDef()


def _required(params: dict[str, Any], name: str) -> str:
    value = str(params.get(name) or "").strip()
    if not value:
        raise RestError(400, "ERROR_ARGUMENT", f"Argument '{name.upper()}' is null or empty")
    return value


def event_bind(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    event, handler = _required(params, "event").upper(), _required(params, "handler")
    if event not in KNOWN_EVENTS:
        raise RestError(400, "ERROR_EVENT_NOT_FOUND", "Event not found")
    auth_type = str(params.get("auth_type") or "0")
    if any(b["event"] == event and b["handler"] == handler and b["auth_type"] == auth_type
           for b in state.event_bindings):
        raise RestError(400, "ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!")
    state.event_bindings.append({"event": event, "handler": handler, "auth_type": auth_type, "offline": 0})
    return {"result": True}


def event_get(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": [dict(b) for b in state.event_bindings]}


def event_unbind(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """With no parameters every binding of the app goes (§1.7)."""
    event = str(params.get("event") or "").upper()
    handler = str(params.get("handler") or "")
    keep = [b for b in state.event_bindings
            if (event and b["event"] != event) or (handler and b["handler"] != handler)]
    count = len(state.event_bindings) - len(keep)
    state.event_bindings = keep
    return {"result": {"count": count}}


def placement_bind(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    placement, handler = _required(params, "placement").upper(), _required(params, "handler")
    if placement not in KNOWN_PLACEMENTS:
        raise RestError(400, "ERROR_PLACEMENT_NOT_FOUND", "Placement not found")
    if any(p["placement"] == placement and p["handler"] == handler for p in state.placements):
        raise RestError(400, "ERROR_PLACEMENT_HANDLER_ALREADY_BINDED", "Handler already binded")
    lang_all = params.get("lang_all") if isinstance(params.get("lang_all"), dict) else {}
    state.placements.append({"placement": placement, "handler": handler, "userId": 0, "options": [],
                             "title": str(params.get("title") or ""),
                             "description": str(params.get("description") or ""), "langAll": lang_all})
    return {"result": True}


def placement_get(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": [dict(p) for p in state.placements]}


def placement_unbind(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    placement = _required(params, "placement").upper()
    handler = str(params.get("handler") or "")
    keep = [p for p in state.placements
            if p["placement"] != placement or (handler and p["handler"] != handler)]
    count = len(state.placements) - len(keep)
    state.placements = keep
    return {"result": {"count": count}}


def methods() -> dict[str, Any]:
    return {"event.bind": event_bind, "event.get": event_get, "event.unbind": event_unbind,
            "placement.bind": placement_bind, "placement.get": placement_get,
            "placement.unbind": placement_unbind}


def new_installation(state: SandboxState, user_id: int | None = None) -> tuple[str, str]:
    """Installing (or an admin opening the app) issues a fresh pair; older refresh tokens die.
    `user_id`: the post carries that user's own pair instead (user.admin answers for them), and
    the app's stored refresh token is left alone: what a non-admin's forged install looks like."""
    if user_id is not None:
        return frames.issue_user_token(state, user_id), "user-refresh-" + secrets.token_hex(16)
    access = state.issue_access_token()
    state.refresh_token = secrets.token_hex(16)
    return access, state.refresh_token


def install_event_form(state: SandboxState, event: str = "ONAPPINSTALL",
                       user_id: int | None = None) -> dict[str, Any]:
    """The background install callback / ONAPPINSTALL (§1.5): lower-case auth[...] keys."""
    access, refresh = new_installation(state, user_id)
    return {"event": event, "data": {"VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y", "LANGUAGE_ID": "en"},
            "ts": str(int(time.time())),
            "auth": {"access_token": access, "expires_in": str(int(state.access_ttl_s)), "scope": state.scope,
                     "domain": state.domain, "server_endpoint": state.server_endpoint, "status": "L",
                     "client_endpoint": state.client_endpoint, "member_id": state.member_id,
                     "refresh_token": refresh, "application_token": state.application_token}}


def install_frame_form(state: SandboxState, user_id: int | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The install page / app frame (§2.1 b): form body and query string."""
    access, refresh = new_installation(state, user_id)
    body = {"AUTH_ID": access, "AUTH_EXPIRES": str(int(state.access_ttl_s)), "REFRESH_ID": refresh,
            "SERVER_ENDPOINT": state.server_endpoint, "APPLICATION_TOKEN": state.application_token,
            "APPLICATION_SCOPE": state.scope, "member_id": state.member_id, "status": "L",
            "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": json.dumps({})}
    query = {"DOMAIN": state.domain, "PROTOCOL": "1" if state.base_url.startswith("https") else "0",
             "LANG": "en", "APP_SID": secrets.token_hex(16)}
    return body, query


def uninstall_form(state: SandboxState, clean: bool) -> dict[str, Any]:
    """ONAPPUNINSTALL (§1.5): no tokens, only the application_token proves it."""
    return {"event": "ONAPPUNINSTALL", "data": {"LANGUAGE_ID": "en", "CLEAN": "1" if clean else "0"},
            "ts": str(int(time.time())),
            "auth": {"domain": state.domain, "server_endpoint": state.server_endpoint,
                     "client_endpoint": state.client_endpoint, "member_id": state.member_id,
                     "application_token": state.application_token}}


def overridden(form: dict[str, Any], override: dict[str, Any]) -> list[tuple[str, str]]:
    """Flat form pairs with some replaced (`{"auth[member_id]": "x"}`): forged posts for tests."""
    pairs = dict(flatten(form))
    pairs.update({str(k): str(v) for k, v in override.items()})
    return list(pairs.items())


async def post_form(http: aiohttp.ClientSession, url: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    async with http.post(url, data=pairs, timeout=aiohttp.ClientTimeout(total=HANDLER_TIMEOUT_S)) as resp:
        text = await resp.text()
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text[:2000]
    return {"status": resp.status, "body": body}


@routes.post("/_sandbox/install")
async def install(request: web.Request) -> web.Response:
    """`{handler_url, form: "event"|"frame", override: {...}, user?: id}`: POST the install
    callback (with `user`, that user's tokens instead of the admin's)."""
    state, body = request.app[STATE], await read_json_object(request)
    if not body.get("handler_url"):
        raise web.HTTPBadRequest(text="handler_url is required")
    url, override = str(body["handler_url"]), body.get("override") or {}
    try:
        user_id = int(body["user"]) if body.get("user") is not None else None
    except (TypeError, ValueError):
        raise web.HTTPBadRequest(text="user must be a user id") from None
    if user_id is not None and user_id not in frames.ensure_users(state):
        raise web.HTTPBadRequest(text="no such user")
    if body.get("form", "event") == "frame":
        form, query = install_frame_form(state, user_id)
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    else:
        form = install_event_form(state, str(body.get("event") or "ONAPPINSTALL"), user_id)
    return web.json_response(await post_form(request.app[HTTP], url, overridden(form, override)))


@routes.post("/_sandbox/uninstall")
async def uninstall(request: web.Request) -> web.Response:
    """`{clean: bool, handler_url?, override?}`: POST ONAPPUNINSTALL to the bound handler. A real
    uninstall (no override) then revokes the app's tokens and bindings, as Bitrix24 does."""
    state, body = request.app[STATE], await read_json_object(request)
    bound = [b["handler"] for b in state.event_bindings if b["event"] == "ONAPPUNINSTALL"]
    url = str(body.get("handler_url") or (bound[0] if bound else state.event_handler_url))
    override = body.get("override") or {}
    result = await post_form(request.app[HTTP], url, overridden(uninstall_form(state, bool(body.get("clean"))),
                                                                override))
    if not override:
        state.access_tokens = {}
        state.revoke_refresh()
        state.event_bindings, state.placements = [], []
    return web.json_response(result)
