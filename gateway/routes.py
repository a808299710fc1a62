"""Every URL the gateway serves."""
from __future__ import annotations

from aiohttp import web

from gateway import handlers, install


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/b24/events", handlers.receive_bitrix_event)
    app.router.add_post("/b24/install", install.receive_install)
    app.router.add_post("/relay/events", handlers.receive_relay_event)
    app.router.add_get("/healthz", handlers.healthz)
    app.router.add_get("/readyz", handlers.readyz)
    # No /metrics here: this port faces the portals (gateway.app.metrics_server: its own port).
