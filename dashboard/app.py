"""The dashboard sub-application, mounted at /app: the placement handler (CRM card tabs), the
widget's JSON API and the admin settings API (contract: dashboard/openapi.yaml).

Where it runs: it reads ClickHouse, and in embedded mode ClickHouse is chdb, which one process
only may open, the worker. So the worker serves it (aica.worker, stage "dashboard") on
settings.dashboard_port, sharing the worker's client through its single ClickHouse thread. With
a ClickHouse server (AICA_CLICKHOUSE_DSN=http://...) the same app can be mounted in the gateway
instead (`gateway.add_subapp("/app", create_dashboard_app(...))`), provided the gateway's
`X-Frame-Options: DENY` / `frame-ancestors 'none'` headers are not added to /app responses."""
from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bitrix.egress import portal_session
from blobs.store import LocalBlobStore
from bitrix.client import PortalRest
from bitrix.limits import PortalLimits
from bitrix.portals import PortalDirectory
from catalog.portal_settings import PortalCatalogs, PortalSettingsStore
from dashboard import api, settings_api
from dashboard.keys import (ACCESS, AUDIO_SIGNER, BLOBS, CATALOGS, LIMITS, PLACEMENT_LIMITS, PORTAL_SETTINGS,
                            PORTALS, RESCORE_RUNS, REST, SETTINGS, SIGNER, STORE)
from dashboard.placement import (WIDGET_CSP, PortalAccess, frame_origin, parse_placement, refusal_page,
                                 render_widget, verify_placement)
from dashboard.sessions import AudioSigner, SessionSigner, session_key
from dashboard.settings_api import RunSource
from httpapi.errors import Refused, json_errors
from httpapi.ratelimit import PostLimits
from streams.settings import Settings
from warehouse.read_model import CallStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer"}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if "/static/" not in request.path:  # static files may be cached; sessions and data may not
        for name, value in API_HEADERS.items():
            response.headers.setdefault(name, value)
    response.headers.pop("X-Frame-Options", None)  # framing is governed by CSP frame-ancestors only


async def placement(request: web.Request) -> web.Response:
    """Verify the post with the portal, then answer the widget page with a fresh session."""
    form, portals = await request.post(), request.app[PORTALS]
    try:
        post = parse_placement({k: str(v) for k, v in form.items()}, request.query)
        await request.app[PLACEMENT_LIMITS].take(request.remote, post.member_id)
        portal = portals.get(post.member_id)
        user = await verify_placement(request.app[ACCESS], portal, post, request.app[SETTINGS].app_client_id,
                                      time.time())
    except Refused as refusal:
        log.info("placement refused %d %s", refusal.status, refusal.code)
        headers = {"Content-Security-Policy": "default-src 'none'"}
        retry_after = getattr(refusal, "retry_after_s", None)  # rate-limited post, or portal busy
        if retry_after is not None:
            headers["Retry-After"] = str(max(1, round(retry_after)))
        return web.Response(text=refusal_page(refusal), status=refusal.status, content_type="text/html",
                            headers=headers)
    session = request.app[SIGNER].issue(member_id=post.member_id, user_id=user.user_id, is_admin=user.is_admin,
                                        entity_type=post.entity_type, entity_id=post.entity_id,
                                        lang=post.lang, now=time.time())
    log.info("placement: portal=%s user=%s %s %s", post.member_id, user.user_id, post.entity_type, post.entity_id)
    page = render_widget({"session": session, "lang": post.lang, "entity_type": post.entity_type,
                          "entity_id": str(post.entity_id), "api_base": api.api_base(request)})
    return web.Response(text=page, content_type="text/html",
                        headers={"Content-Security-Policy": WIDGET_CSP.format(origin=frame_origin(portal))})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def http_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=settings.rest_timeout_s)
    async with portal_session(settings, timeout=timeout, headers={"User-Agent": "aica/0.1"}) as session:
        app[ACCESS] = PortalAccess.of(session, settings, app[LIMITS])
        yield


def create_dashboard_app(settings: Settings, portals: PortalDirectory, store: CallStore, blobs: LocalBlobStore,
                         portal_settings: PortalSettingsStore, catalogs: PortalCatalogs,
                         rest: PortalRest, rescore_runs: RunSource | None = None, *,
                         limits: PortalLimits | None = None) -> web.Application:
    """portals: PortalDirectory; portal_settings: control.portal_settings.KafkaPortalSettings;
    rest: a bitrix.client.RestClient (the app's own tokens: creates renamed CRM fields);
    limits: the process's per-portal limiters, the ones `rest` takes (bitrix.limits), for the
    placement checks (None: limiters of the dashboard's own, as in tests)."""
    app = web.Application(middlewares=[json_errors])
    app[SETTINGS], app[PORTALS], app[STORE], app[BLOBS] = settings, portals, store, blobs
    app[PORTAL_SETTINGS], app[CATALOGS], app[REST] = portal_settings, catalogs, rest
    app[RESCORE_RUNS] = rescore_runs
    app[LIMITS] = limits or PortalLimits(settings)
    app[SIGNER] = SessionSigner(session_key(settings), settings.dashboard_session_ttl_s)
    app[AUDIO_SIGNER] = AudioSigner(session_key(settings), settings.dashboard_audio_ttl_s)
    app[PLACEMENT_LIMITS] = PostLimits(settings.placement_posts_per_ip_per_min,
                                       settings.placement_posts_per_portal_per_min)
    app.cleanup_ctx.append(http_client)
    app.on_response_prepare.append(security_headers)
    r = app.router
    r.add_post("/placement", placement)
    r.add_get("/healthz", healthz)
    # No /metrics: the dashboard is public, and its process (the worker) serves them on
    # settings.worker_metrics_port.
    r.add_get("/api/calls", api.list_calls)
    r.add_get("/api/calls/{call_id}", api.get_call)
    r.add_get("/api/calls/{call_id}/audio", api.get_audio)
    r.add_get("/api/trend", api.get_trend)
    r.add_get("/api/status", api.get_status)
    r.add_get("/api/settings", settings_api.get_settings)
    r.add_put("/api/settings", settings_api.put_settings)
    r.add_post("/api/relay-secret/rotate", settings_api.rotate_relay_secret)
    r.add_get("/api/rescore-runs", settings_api.list_rescore_runs)
    r.add_get("/api/openapi.json", api.get_openapi)
    if STATIC.is_dir():
        r.add_static("/static", STATIC)
    return app


def mounted(dashboard: web.Application, prefix: str = "/app") -> web.Application:
    """A root app serving the dashboard under /app (how the worker serves it)."""
    root = web.Application()
    root.add_subapp(prefix, dashboard)
    return root


async def serve_dashboard(dashboard: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(mounted(dashboard), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]


def register_service(app: Any, settings: Settings, make_dashboard: Callable[[], web.Application]) -> None:
    """Serve the dashboard from the worker (a Faust service) on settings.dashboard_port. A second
    worker on the same host finds the port taken: it logs that and runs without one."""
    import mode

    @app.service
    class DashboardService(mode.Service):
        runner: web.AppRunner | None = None

        async def on_start(self) -> None:
            try:
                self.runner, port = await serve_dashboard(make_dashboard(), settings.dashboard_host,
                                                          settings.dashboard_port)
            except OSError as exc:
                log.error("dashboard not served: %s:%s unavailable (%s)", settings.dashboard_host,
                          settings.dashboard_port, exc.strerror)
                return
            log.info("dashboard listening on %s:%d/app", settings.dashboard_host, port)

        async def on_stop(self) -> None:
            if self.runner is not None:
                await self.runner.cleanup()
