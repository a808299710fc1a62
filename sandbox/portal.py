"""The sandbox Bitrix24 portal: one portal, its OAuth server and its file endpoint in one aiohttp
app, plus the `/_sandbox/` control API. See docs/bitrix24-api.md for the behaviour emulated."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web

from sandbox import apps, frames, home, webhooks
from sandbox.files import make_file_handler
from sandbox.keys import HTTP, STATE, TASKS
from sandbox.oauth import make_token_handler
from sandbox.rest import make_rest_handler, make_webhook_handler
from sandbox.scenario import routes as control_routes
from sandbox.state import SandboxState

PORTAL_PREFIXES = ("/rest/", "/oauth/", "/bitrix/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_label(request: web.Request) -> str:
    """What the request was for: the REST method, `oauth.token` or `file`."""
    if "method" in request.match_info:
        return request.match_info["method"].lower().removesuffix(".json")
    return "oauth.token" if request.path.startswith("/oauth/oauth/token") else "file"


@web.middleware
async def record_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every portal-facing request lands in state.requests (method, time, status) so tests can
    check the rate the product really produced."""
    if not request.path.startswith(PORTAL_PREFIXES):
        return await handler(request)
    at = time.time()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        request.app[STATE].requests.append(
            {"method": request_label(request), "path": request.path, "at": at, "status": status})


async def http_client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession(headers={"User-Agent": "Bitrix24 Webhook Engine"}) as session:
        app[HTTP] = session
        yield


async def call_stories(app: web.Application) -> AsyncIterator[None]:
    app[TASKS] = set()
    yield
    for task in list(app[TASKS]):
        task.cancel()
    await asyncio.gather(*app[TASKS], return_exceptions=True)


def create_sandbox_app(state: SandboxState) -> web.Application:
    # Large enough for a recording uploaded from the home page.
    app = web.Application(middlewares=[record_requests], client_max_size=home.MAX_UPLOAD_BYTES + 1024 * 1024)
    app[STATE] = state
    app.cleanup_ctx.extend([http_client, call_stories])  # stories stop before the session closes
    rest = make_rest_handler(state, count_rate=True)
    app.router.add_post("/rest/{method}", rest)
    app.router.add_get("/rest/{method}", rest)
    webhook = make_webhook_handler(state)
    app.router.add_get(r"/rest/{user:\d+}/{code:[A-Za-z0-9]+}/download/", webhooks.download)
    app.router.add_post(r"/rest/{user:\d+}/{code:[A-Za-z0-9]+}/{method}", webhook)
    app.router.add_get(r"/rest/{user:\d+}/{code:[A-Za-z0-9]+}/{method}", webhook)
    oauth_rest = make_rest_handler(state, count_rate=False)
    app.router.add_route("*", "/oauth/rest/{method}", oauth_rest)
    token = make_token_handler(state)
    app.router.add_get("/oauth/oauth/token/", token)
    app.router.add_post("/oauth/oauth/token/", token)
    app.router.add_get("/bitrix/tools/crm_show_file.php", make_file_handler(state))
    app.router.add_routes(control_routes)
    app.router.add_routes(apps.routes)
    app.router.add_routes(frames.routes)
    app.router.add_routes(webhooks.routes)
    app.router.add_routes(home.routes)
    return app
