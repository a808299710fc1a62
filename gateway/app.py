"""The gateway application factory: every route and every resource is listed here."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from aiohttp_remotes import XForwardedRelaxed

from bitrix.limits import PortalLimits
from bitrix.oauth import TokenKeeper
from bitrix.portals import PortalDirectory
from gateway.dedup import TtlDedup
from gateway.durable import DurablePublisher
from gateway.install import install_context
from gateway.keys import DEDUP, DURABLE_PUBLISHER, PORTAL_SETTINGS, PORTALS, RELAY_SECRETS, SETTINGS
from gateway.publisher import KafkaPublisher, Publisher
from gateway.routes import setup_routes
from gateway.spool import Spool
from gateway.verify import parse_relay_secrets
from httpapi.errors import Refused, json_errors
from streams.metrics import EVENTS_REFUSED, serve_metrics
from streams.settings import Settings

log = logging.getLogger(__name__)

DRAIN_INTERVAL_S = 5.0
PING_TIMEOUT_S = 2.0
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# One public origin: the dashboard sub-app (card tabs, widget, API) may be mounted here. Its pages
# are framed by the portal, so the gateway's framing headers stay off its paths; its settings API
# takes larger bodies than an event form.
DASHBOARD_PREFIX = "/app"
DASHBOARD_MAX_BODY_BYTES = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def under_dashboard(path: str) -> bool:
    return path == DASHBOARD_PREFIX or path.startswith(DASHBOARD_PREFIX + "/")


@web.middleware
async def count_refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aica_events_refused_total by reason code (inside json_errors, which answers the refusal)."""
    try:
        return await handler(request)
    except Refused as refusal:
        EVENTS_REFUSED.labels(refusal.code).inc()
        raise
    except web.HTTPException as exc:
        if exc.status >= 400:
            EVENTS_REFUSED.labels(exc.reason.lower().replace(" ", "_")).inc()
        raise


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "aica-gateway"
    if len(request.match_info.apps) > 1:
        return  # answered by the mounted dashboard, which sets its own (CSP frame-ancestors <portal>)
    # A page that set its own CSP (the install page, framed by the portal) keeps it, and is framed
    # under that CSP's frame-ancestors rather than refused by X-Frame-Options.
    own_csp = "Content-Security-Policy" in response.headers
    for name, value in SECURITY_HEADERS.items():
        if own_csp and name in ("Content-Security-Policy", "X-Frame-Options"):
            continue
        response.headers[name] = value


@web.middleware
async def dashboard_body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The root app's client_max_size (sized for event forms) applies to every mounted sub-app:
    the dashboard's requests get its own limit instead."""
    if under_dashboard(request.path):
        request = request.clone(client_max_size=DASHBOARD_MAX_BODY_BYTES)
    return await handler(request)


def durable_publisher_context(publisher: Publisher | None) -> Callable[[web.Application], AsyncIterator[None]]:
    """An injected publisher belongs to the caller; a KafkaPublisher made here is closed here."""
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        owned = KafkaPublisher(settings.kafka_bootstrap, settings.publish_timeout_s) if publisher is None else None
        spool = await asyncio.to_thread(Spool, settings.data_dir / "spool")
        app[DURABLE_PUBLISHER] = DurablePublisher(publisher if publisher is not None else owned, spool,
                                         settings.publish_timeout_s)
        yield
        if owned is not None:
            left = await asyncio.to_thread(owned.close)
            if left:
                # Each was awaited by a request that timed out and spooled it, so nothing is lost.
                log.warning("%d records still unacked at shutdown", left)
    return context


def maintenance_context(interval_s: float) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(app[DURABLE_PUBLISHER].run_maintenance(interval_s, PING_TIMEOUT_S))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return context


def create_app(settings: Settings, portals: PortalDirectory, publisher: Publisher | None = None,
               *, drain_interval_s: float = DRAIN_INTERVAL_S,
               tokens: TokenKeeper | None = None, portal_settings: object | None = None,
               dashboard: web.Application | None = None,
               limits: PortalLimits | None = None) -> web.Application:
    """`tokens`: how installs store tokens; in-process unless given (a multi-process deployment
    passes control.tokens.KafkaTokens). `portal_settings`: per-portal relay secrets rotated from
    the dashboard (control.portal_settings.KafkaPortalSettings); None = only the global secrets.
    `dashboard`: the dashboard sub-app, mounted at /app so that /b24/* and /app/* share one public
    origin (composed in aica.origin; the sub-app itself is built where its dependencies live).
    `limits`: the process's per-portal limiters (bitrix.limits), shared with the dashboard when
    it is mounted; None: the gateway's own, on the side budget (it owns no portal's traffic)."""
    # client_max_size also stops chunked bodies, which carry no Content-Length to check up front.
    middlewares = [dashboard_body_limit, json_errors, count_refusals] if dashboard is not None \
        else [json_errors, count_refusals]
    if settings.forwarded_hops > 0:  # first: every later check sees the client, not the proxy
        middlewares.insert(0, XForwardedRelaxed(num=settings.forwarded_hops).middleware)
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=middlewares)
    app[SETTINGS] = settings
    app[PORTALS] = portals
    app[DEDUP] = TtlDedup(settings.dedup_ttl_s)
    app[RELAY_SECRETS] = parse_relay_secrets(settings.relay_secrets)
    app[PORTAL_SETTINGS] = portal_settings
    app.cleanup_ctx.append(durable_publisher_context(publisher))
    app.cleanup_ctx.append(maintenance_context(drain_interval_s))
    app.cleanup_ctx.append(install_context(tokens, limits or PortalLimits.side_only(settings)))
    app.on_response_prepare.append(add_security_headers)
    setup_routes(app)
    if dashboard is not None:
        app.add_subapp(DASHBOARD_PREFIX, dashboard)
    return app


def metrics_server(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    """/metrics on its own port (settings.gateway_metrics_port on metrics_host), for the
    scraper only: the public port faces the portals."""
    async def serve(_app: web.Application) -> AsyncIterator[None]:
        runner = None
        if settings.gateway_metrics_port:
            try:
                runner = await serve_metrics(settings.metrics_host, settings.gateway_metrics_port)
            except OSError as exc:
                log.error("gateway metrics not served: %s:%s unavailable (%s)", settings.metrics_host,
                          settings.gateway_metrics_port, exc.strerror)
        yield
        if runner is not None:
            await runner.cleanup()
    return serve
