"""Embedded mode's one origin: the gateway forwards /app/* to the worker's dashboard unchanged
(method, path, query, body, the dashboard's CSP and Range answers), adds no framing refusal, and
answers 502 with a reason while the dashboard is not up."""
from __future__ import annotations

from aiohttp import web

from aica.dashboard_proxy import dashboard_proxy
from bitrix.portals import InMemoryPortals
from gateway.app import create_app
from streams.settings import Settings

AUDIO = bytes(range(256)) * 8


async def upstream_dashboard(aiohttp_server):
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response({"method": request.method, "path": request.path, "query": request.query_string,
                                  "body": body.decode(), "forwarded_for": request.headers.get("X-Forwarded-For"),
                                  "content_type": request.content_type},
                                 headers={"Content-Security-Policy": "frame-ancestors http://portal.test"})

    async def audio(request: web.Request) -> web.Response:
        start, stop, _ = request.http_range.indices(len(AUDIO))
        return web.Response(status=206, body=AUDIO[start:stop], content_type="audio/wav",
                            headers={"Content-Range": f"bytes {start}-{stop - 1}/{len(AUDIO)}"})

    app = web.Application()
    app.router.add_route("*", "/app/api/echo", echo)
    app.router.add_post("/app/placement", echo)
    app.router.add_get("/app/api/calls/1/audio", audio)
    return await aiohttp_server(app)


async def test_app_paths_reach_the_workers_dashboard_unchanged(aiohttp_server, aiohttp_client, tmp_path):
    upstream = await upstream_dashboard(aiohttp_server)
    gateway = create_app(Settings(data_dir=tmp_path), InMemoryPortals(), publisher=object(),
                         dashboard=dashboard_proxy(str(upstream.make_url("/app"))))
    client = await aiohttp_client(gateway)
    response = await client.get("/app/api/echo?entity=deal&id=7")
    assert response.status == 200 and (await response.json())["query"] == "entity=deal&id=7"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors http://portal.test"
    assert "X-Frame-Options" not in response.headers
    response = await client.post("/app/placement?DOMAIN=p", data={"AUTH_ID": "t", "member_id": "m"})
    echoed = await response.json()
    assert (echoed["method"], echoed["path"], echoed["query"]) == ("POST", "/app/placement", "DOMAIN=p")
    assert echoed["body"] == "AUTH_ID=t&member_id=m" and echoed["content_type"] == "application/x-www-form-urlencoded"
    assert echoed["forwarded_for"] == "127.0.0.1"
    response = await client.get("/app/api/calls/1/audio", headers={"Range": "bytes=10-19"})
    assert response.status == 206 and await response.read() == AUDIO[10:20]
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(AUDIO)}"
    # The gateway's own paths keep their headers.
    assert (await client.get("/healthz")).headers["X-Frame-Options"] == "DENY"


async def test_a_dashboard_not_up_yet_is_a_502_with_a_reason(aiohttp_client, tmp_path):
    from tests.conftest import free_port
    gateway = create_app(Settings(data_dir=tmp_path), InMemoryPortals(), publisher=object(),
                         dashboard=dashboard_proxy(f"http://127.0.0.1:{free_port()}/app"))
    client = await aiohttp_client(gateway)
    response = await client.get("/app/healthz")
    assert response.status == 502 and (await response.json())["error"] == "dashboard_unavailable"


async def test_without_a_dashboard_app_paths_are_the_gateways_refusals(aiohttp_client, tmp_path):
    client = await aiohttp_client(create_app(Settings(data_dir=tmp_path), InMemoryPortals(), publisher=object()))
    response = await client.get("/app/placement")
    assert response.status == 404 and response.headers["X-Frame-Options"] == "DENY"
