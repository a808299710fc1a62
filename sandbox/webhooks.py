"""Webhook mode of the sandbox portal (docs/bitrix24-api.md §1.2, §1.7, bitrix/webhooks.py):
inbound webhooks `/rest/<user>/<code>/<method>` with the scopes ticked on them, the errors a
misconfigured one gives (a wrong code: 401 INVALID_CREDENTIALS; a scope not ticked:
insufficient_scope; app-only methods: WRONG_AUTH_TYPE), `profile`, `scope`, `disk.file.get` with
its signed download link, and outbound webhooks (the events' `auth` has only domain, endpoints,
member_id and the webhook's own application_token).

Control API: `POST /_sandbox/webhooks` {user?, scopes?} -> {url, code}; `POST
/_sandbox/webhooks/delete` {code}; `POST /_sandbox/outbound-webhooks` {handler_url, events?} ->
{application_token}."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from aiohttp import web

from sandbox.frames import ADMIN_USER_ID, ensure_users
from sandbox.keys import STATE
from sandbox.scenario import read_json_object
from sandbox.state import SandboxState
from sandbox.wire import RestError, as_int, failure

ALL_SCOPES = ("crm", "telephony", "disk", "user")
SCOPE_OF = {"crm.": "crm", "voximplant.": "telephony", "telephony.": "telephony", "disk.": "disk", "user.": "user"}
APP_ONLY = {"event.bind", "event.get", "event.unbind", "placement.bind", "placement.get", "placement.unbind",
            "app.info"}
OUTBOUND_EVENTS = ("ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE")
routes = web.RouteTableDef()


def add_inbound(state: SandboxState, user_id: int = ADMIN_USER_ID, scopes: tuple[str, ...] = ALL_SCOPES) -> str:
    """A new inbound webhook of `user_id`; its URL, as the webhook's page shows it."""
    if user_id not in ensure_users(state):
        raise KeyError(user_id)
    code = secrets.token_hex(8)
    state.webhooks[code] = {"user_id": user_id, "scopes": frozenset(s.lower() for s in scopes)}
    return f"{state.base_url}/rest/{user_id}/{code}/"


def add_outbound(state: SandboxState, handler: str, events: tuple[str, ...] = OUTBOUND_EVENTS) -> str:
    """A new outbound webhook; its application_token, as its settings page shows it."""
    token = secrets.token_hex(16)
    state.outbound_webhooks.append({"handler": handler, "events": {e.upper() for e in events},
                                    "application_token": token})
    return token


def caller(state: SandboxState, user_id: str, code: str) -> dict[str, Any]:
    """The webhook a request's path names, or Bitrix24's answer to a wrong URL."""
    hook = state.webhooks.get(code)
    if hook is None or str(hook["user_id"]) != user_id:
        raise RestError(401, "INVALID_CREDENTIALS", "Invalid request credentials")
    return hook


def check_scope(method: str, scopes: frozenset[str]) -> None:
    if method in APP_ONLY:
        raise RestError(403, "WRONG_AUTH_TYPE", "Current authorization type is denied for this method")
    needed = next((scope for prefix, scope in SCOPE_OF.items() if method.startswith(prefix)), None)
    if needed is not None and needed not in scopes:
        raise RestError(403, "insufficient_scope",
                        "The request requires higher privileges than provided by the webhook token")


def _user_of(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    users = ensure_users(state)
    user_id = params.get("_webhook_user") or state.token_users.get(str(params.get("_auth_token") or ""),
                                                                   ADMIN_USER_ID)
    return users[int(user_id)]


def profile(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    user = _user_of(state, params)
    return {"result": {"ID": user["ID"], "ADMIN": bool(user["ADMIN"]), "NAME": user["NAME"],
                       "LAST_NAME": user["LAST_NAME"]}}


def scope(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    scopes = params.get("_webhook_scopes")
    return {"result": sorted(scopes) if scopes is not None else state.scope.split(",")}


def _signature(state: SandboxState, file_id: int) -> str:
    return hmac.new(state.client_secret.encode(), f"disk|{file_id}".encode(), hashlib.sha256).hexdigest()[:32]


def disk_file_get(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """A recording's Disk record; DOWNLOAD_URL is a signed link on the caller's webhook path."""
    file_id = as_int(params.get("id"))
    stored = state.files.get(file_id)
    if stored is None:
        raise RestError(400, "ERROR_NOT_FOUND", "Could not find entity with id")
    prefix = params.get("_webhook_prefix") or f"{state.base_url}/rest/"
    link = f"{prefix}download/?token=disk|{file_id}|{_signature(state, file_id)}"
    return {"result": {"ID": str(file_id), "NAME": stored.name, "SIZE": str(len(stored.body)),
                       "DOWNLOAD_URL": link}}


def methods() -> dict[str, Any]:
    return {"profile": profile, "scope": scope, "disk.file.get": disk_file_get}


async def download(request: web.Request) -> web.StreamResponse:
    """`/rest/<user>/<code>/download/?token=disk|<id>|<sig>`: the link disk.file.get gave."""
    state = request.app[STATE]
    try:
        caller(state, request.match_info["user"], request.match_info["code"])
        _, file_id, signature = (request.query.get("token", "") + "||").split("|")[:3]
        stored = state.files.get(int(file_id)) if file_id.isdigit() else None
        if stored is None or not hmac.compare_digest(signature, _signature(state, stored.file_id)):
            raise RestError(404, "ERROR_NOT_FOUND", "File not found")
    except RestError as error:
        return failure(error)
    return web.Response(body=stored.body, content_type=stored.content_type)


@routes.post("/_sandbox/webhooks")
async def create_inbound(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    try:
        url = add_inbound(state, int(body.get("user", ADMIN_USER_ID)), tuple(body.get("scopes") or ALL_SCOPES))
    except (KeyError, ValueError, TypeError):
        raise web.HTTPBadRequest(text="user must be a user id; scopes a list") from None
    return web.json_response({"url": url, "code": url.rstrip("/").rsplit("/", 1)[1]})


@routes.post("/_sandbox/webhooks/delete")
async def delete_inbound(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    return web.json_response({"deleted": state.webhooks.pop(str(body.get("code")), None) is not None})


@routes.post("/_sandbox/outbound-webhooks")
async def create_outbound(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    if not body.get("handler_url"):
        raise web.HTTPBadRequest(text="handler_url is required")
    token = add_outbound(state, str(body["handler_url"]), tuple(body.get("events") or OUTBOUND_EVENTS))
    return web.json_response({"application_token": token})
