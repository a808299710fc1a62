"""The OAuth server's token endpoint (§2.3): refresh with rotation; GET query or POST form."""
from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.state import SandboxState
from sandbox.wire import RestError, parse_query


def refresh(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("grant_type") != "refresh_token":
        raise RestError(400, "invalid_request", "Only grant_type=refresh_token is supported")
    client_ok = (hmac.compare_digest(str(params.get("client_id", "")), state.client_id)
                 and hmac.compare_digest(str(params.get("client_secret", "")), state.client_secret))
    if not client_ok:
        raise RestError(401, "invalid_client", "Invalid client")
    if not hmac.compare_digest(str(params.get("refresh_token", "")), state.refresh_token):
        raise RestError(400, "invalid_grant", "Invalid grant")
    access_token, refresh_token = state.rotate()
    return {"access_token": access_token, "client_endpoint": state.client_endpoint,
            "domain": state.domain, "expires": int(state.access_tokens[access_token]),
            "expires_in": int(state.access_ttl_s), "member_id": state.member_id,
            "refresh_token": refresh_token, "scope": state.scope,
            "server_endpoint": state.server_endpoint, "status": "L", "user_id": state.user_id}


def make_token_handler(state: SandboxState) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            params = parse_query(request.query_string)
            if request.method == "POST":
                params |= parse_query((await request.read()).decode("utf-8", "replace"))
            return web.json_response(refresh(state, params))
        except RestError as error:
            return web.json_response({"error": error.code, "error_description": error.description},
                                     status=error.status)
    return handle
