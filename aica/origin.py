"""One public origin in production: the gateway (`/b24/*`: events, install, uninstall) with the
dashboard (`/app/*`: placements, widget, API) mounted in the same process.

Possible only with a ClickHouse server (AICA_CLICKHOUSE_DSN=http(s)://...): the embedded chdb may
be opened by one process, the worker, which then serves the dashboard itself (aica.worker). TLS is
terminated in front of this process (the `proxy` service of docker-compose.yml, Caddy), which
forwards every path to it unchanged, so the handlers Bitrix24 is given (AICA_PUBLIC_URL + /b24/events,
+ /app/placement) all live on that one origin."""
from __future__ import annotations

import logging

from aiohttp import web

from streams.settings import Settings

log = logging.getLogger(__name__)


def serves_dashboard(settings: Settings) -> bool:
    """Whether the gateway process may open ClickHouse (a server, not the embedded chdb)."""
    return settings.resolved_clickhouse_dsn.startswith(("http://", "https://"))


def dashboard_app(settings: Settings, res: object) -> web.Application:
    """The dashboard sub-app over a worker's resource bundle (aica.worker.WorkerResources)."""
    from dashboard.app import create_dashboard_app
    from warehouse.read_model import CallStore
    return create_dashboard_app(settings, res.portals, CallStore(res.clickhouse, res.clickhouse_thread),
                                res.blobs, res.portal_settings, res.catalogs, res.rest, res.rescore_runs,
                                limits=res.limits)


def create_public_app(settings: Settings, *, with_dashboard: bool | None = None,
                      res: object | None = None) -> web.Application:
    """The gateway app, with the dashboard under /app when ClickHouse is a server (or when asked).
    `res`: the resource bundle (aica.worker.WorkerResources unless given)."""
    from aica.worker import WorkerResources
    from gateway.app import create_app, metrics_server
    res = res if res is not None else WorkerResources(settings)
    mount = serves_dashboard(settings) if with_dashboard is None else with_dashboard
    dashboard = dashboard_app(settings, res) if mount else None
    app = create_app(settings, res.portals, tokens=res.tokens, portal_settings=res.portal_settings,
                     dashboard=dashboard, limits=res.limits)  # one limiter per portal for install and /app

    async def close_resources(_: web.Application) -> None:
        if "rest" in res.__dict__:
            await res.rest.close()
        for view in ("portals", "portal_settings", "rescore_runs", "scorecard_versions"):
            stop = getattr(res.__dict__.get(view), "stop", None)  # compacted-topic views
            if stop is not None:
                stop()
    app.on_cleanup.append(close_resources)
    app.cleanup_ctx.append(metrics_server(settings))
    log.info("public origin %s: /b24/* %s", settings.public_url,
             "and /app/* (dashboard)" if mount else "only (the worker serves /app/*: embedded ClickHouse)")
    return app


def run_public(settings: Settings, *, with_dashboard: bool | None = None) -> None:
    """Blocking entry point for `aica gateway`: serve until SIGINT/SIGTERM."""
    web.run_app(create_public_app(settings, with_dashboard=with_dashboard),
                host=settings.gateway_host, port=settings.gateway_port, access_log=None)
