"""One origin in the embedded mode too: the gateway forwards `/app/*` to the dashboard the worker
serves (chdb opens in the worker only, so the dashboard cannot be mounted in the gateway there).
The placement handler the install binds (`<public URL>/app/placement`) then works as in production.
Bodies are streamed both ways unchanged (the audio's Range answers included); hop-by-hop headers
are dropped; the dashboard's own headers (its CSP naming the portal) pass through."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)
SESSION = web.AppKey("dashboard_proxy_session", aiohttp.ClientSession)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailers", "transfer-encoding", "upgrade", "host", "content-length"})
CHUNK = 64 * 1024


def forwardable(headers: "aiohttp.typedefs.LooseHeaders") -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


def dashboard_proxy(upstream: str, timeout_s: float = 60.0) -> web.Application:
    """A sub-app for /app forwarding everything to `upstream` (e.g. http://127.0.0.1:8081/app)."""
    app = web.Application()
    base = upstream.rstrip("/")

    async def client(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(auto_decompress=False,
                                         timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
            app[SESSION] = session
            yield

    async def forward(request: web.Request) -> web.StreamResponse:
        url = f"{base}/{request.match_info['tail']}"
        if request.query_string:
            url += "?" + request.query_string
        headers = forwardable(request.headers) | {"X-Forwarded-For": request.remote or ""}
        body = await request.read()
        try:
            async with request.app[SESSION].request(request.method, url, headers=headers, data=body or None,
                                                    allow_redirects=False) as answer:
                response = web.StreamResponse(status=answer.status, reason=answer.reason,
                                              headers=forwardable(answer.headers))
                if answer.content_length is not None:
                    response.content_length = answer.content_length
                await response.prepare(request)
                async for chunk in answer.content.iter_chunked(CHUNK):
                    await response.write(chunk)
                await response.write_eof()
                return response
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("dashboard unavailable at %s: %s", base, type(exc).__name__)
            return web.json_response({"error": "dashboard_unavailable",
                                      "reason": "the worker's dashboard is not answering (starting?)"}, status=502)

    app.cleanup_ctx.append(client)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app
