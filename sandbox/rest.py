"""`POST /rest/<method>[.json]`: the portal's REST entry, with its checks in Bitrix24's order:
rate limit, auth, then the method. Also `batch` and `app.info`."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sandbox import apps, calls, crm, frames, webhooks
from sandbox.state import SandboxState
from sandbox.wire import RestError, failure, lower_keys, parse_query, read_params, success

Method = Callable[[SandboxState, dict[str, Any]], dict[str, Any]]
MAX_BATCH = 50


def app_info(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """The shape b24pysdk expects from app.info (§5.3), used to verify installs and iframes."""
    token = str(params.get("_auth_token") or "")
    expires = state.access_tokens.get(token, time.time())
    return {"result": {
        "client_id": state.client_id, "scope": state.scope, "expires": int(expires),
        "user_id": state.token_users.get(token, state.user_id),
        "install": {"installed": True, "version": 1, "status": "L", "scope": state.scope,
                    "domain": state.domain, "uri": state.base_url,
                    "client_endpoint": state.client_endpoint, "member_id": state.member_id,
                    "member_type": "MASTER"}}}


def batch(state: SandboxState, params: dict[str, Any], scopes: frozenset[str] | None = None) -> dict[str, Any]:
    commands = params.get("cmd") or {}
    if not isinstance(commands, dict):
        raise RestError(400, "INVALID_REQUEST", "cmd must be an object")
    if len(commands) > MAX_BATCH:
        raise RestError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    halt = str(params.get("halt", "0")).lower() in ("1", "true", "y")
    out: dict[str, dict[str, Any]] = {"result": {}, "result_error": {}, "result_total": {},
                                      "result_next": {}, "result_time": {}}
    for name, command in commands.items():
        started = time.time()
        method, _, query = str(command).partition("?")
        try:
            body = _call(state, unquote(method), lower_keys(parse_query(query)) | caller_of(params),
                         in_batch=True, scopes=scopes)
        except RestError as error:
            out["result_error"][name] = {"error": error.code, "error_description": error.description}
            if halt:
                break
            continue
        out["result"][name] = body["result"]
        for key in ("total", "next"):
            if key in body:
                out[f"result_{key}"][name] = body[key]
        out["result_time"][name] = {"start": started, "finish": time.time()}
    # PHP encodes an empty array as [] rather than {}: clients must accept both.
    return {"result": {key: value or [] for key, value in out.items()}}


METHODS: dict[str, Method] = {
    "crm.activity.get": calls.activity_get,
    "crm.activity.list": calls.activity_list,
    "crm.activity.binding.list": calls.activity_binding_list,
    "voximplant.statistic.get": calls.statistic_get,
    "app.info": app_info,
    **crm.methods(),
    **apps.methods(),  # event.* and placement.* live with the app lifecycle
    **frames.methods(),  # user.current / user.admin
    **webhooks.methods(),  # profile, scope, disk.file.get
}


def caller_of(params: dict[str, Any]) -> dict[str, Any]:
    """Who is calling (token or webhook user): carried into each command of a batch."""
    return {k: v for k, v in params.items() if k in ("_auth_token", "_webhook_user", "_webhook_scopes",
                                                     "_webhook_prefix")}


def _call(state: SandboxState, method: str, params: dict[str, Any], in_batch: bool = False,
          scopes: frozenset[str] | None = None) -> dict[str, Any]:
    """`scopes`: an inbound webhook's (None: the app's token, whose scope covers every method)."""
    method = method.lower().removesuffix(".json")
    if method == "batch":
        if in_batch:
            raise RestError(400, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
        return batch(state, params, scopes)
    handler = METHODS.get(method)
    if handler is None:
        raise RestError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
    if scopes is not None:
        webhooks.check_scope(method, scopes)
    if method in state.faults.denied:
        raise RestError(403, "ACCESS_DENIED", "Access denied.")
    return handler(state, params)


def check_token(state: SandboxState, token: str) -> None:
    if not token:
        raise RestError(401, "NO_AUTH_FOUND", "Wrong authorization data")
    status = state.token_status(token)
    if status == "expired":
        raise RestError(401, "expired_token", "The access token provided has expired.")
    if status == "invalid":
        raise RestError(401, "invalid_token", "Unable to get application by token")


async def apply_faults(state: SandboxState, method: str) -> None:
    if state.faults.slow_ms:
        await asyncio.sleep(state.faults.slow_ms / 1000)
    if state.faults.outage or state.faults.take_failure(method):
        raise RestError(500, "INTERNAL_SERVER_ERROR", "Internal server error")
    if method in state.faults.operation_limited:
        raise RestError(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")


def make_rest_handler(state: SandboxState, count_rate: bool) -> Callable[[web.Request], Any]:
    """The same dispatcher serves client_endpoint (rate-limited) and the OAuth server's REST."""
    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.time()
        method = request.match_info["method"].lower().removesuffix(".json")
        try:
            if count_rate and not state.bucket.admit(started):
                raise RestError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
            await apply_faults(state, method)
            params = await read_params(request)
            token = str(params.pop("auth", "") or "")
            check_token(state, token)
            params["_auth_token"] = token  # user.current answers for the token's user
            if not count_rate and method != "app.info":
                raise RestError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
            return success(_call(state, method, params), started)
        except RestError as error:
            return failure(error)
    return handle


def make_webhook_handler(state: SandboxState) -> Callable[[web.Request], Any]:
    """`/rest/<user>/<code>/<method>`: an inbound webhook. Same limits and faults as the app's
    endpoint; the path is the credential, the webhook's scopes bound the methods."""
    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.time()
        method = request.match_info["method"].lower().removesuffix(".json")
        try:
            if not state.bucket.admit(started):
                raise RestError(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
            await apply_faults(state, method)
            hook = webhooks.caller(state, request.match_info["user"], request.match_info["code"])
            params = await read_params(request)
            params.pop("auth", None)
            prefix = f"{state.base_url}/rest/{request.match_info['user']}/{request.match_info['code']}/"
            params |= {"_webhook_user": hook["user_id"], "_webhook_scopes": hook["scopes"],
                       "_webhook_prefix": prefix}
            return success(_call(state, method, params, scopes=hook["scopes"]), started)
        except RestError as error:
            return failure(error)
    return handle
