"""One public origin: the gateway with the dashboard mounted at /app (aica.origin composes it when
ClickHouse is a server). A sandbox portal installs the app through the install page, binds its
event and placement handlers at the one base URL, sends an event there, opens the deal tab there,
and the widget's API answers there; the gateway's framing headers stay off the dashboard's pages."""
from __future__ import annotations

import asyncio
import html
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import aiohttp

from blobs.store import LocalBlobStore
from bitrix.client import RestClient
from bitrix.portals import InMemoryPortals
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from dashboard.app import create_dashboard_app
from gateway.app import create_app
from sandbox import SandboxState, create_sandbox_app
from sandbox.crm import create_entity
from sandbox.frames import issue_user_token, placement_form
from schemas import registry
from warehouse.read_model import CallStore

from dashboard_records import MemoryPortalSettings, MemoryRuns


class Published:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, value))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_events_install_placement_and_api_share_one_base_url(aiohttp_server, settings, clickhouse, tmp_path):
    state = SandboxState()
    portal_server = await aiohttp_server(create_sandbox_app(state))
    state.base_url = str(portal_server.make_url("")).rstrip("/")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings.model_copy(update={"oauth_server_endpoints": [state.server_endpoint], "public_url": base})
    portals, published, portal_settings = InMemoryPortals(), Published(), MemoryPortalSettings()
    async with aiohttp.ClientSession() as http:
        dashboard = create_dashboard_app(
            settings, portals, CallStore(clickhouse, ThreadPoolExecutor(1)), LocalBlobStore(tmp_path / "blobs"),
            portal_settings, PortalCatalogs(load_catalog(settings), portal_settings),
            RestClient(http, portals, settings), MemoryRuns())
        await aiohttp_server(create_app(settings, portals, published, dashboard=dashboard), port=port)

        # The admin opens the app: the portal posts the frame form to the install handler.
        async with http.post(f"{state.base_url}/_sandbox/install",
                             json={"handler_url": f"{base}/b24/install", "form": "frame"}) as response:
            installed = await response.json()
        assert installed["status"] == 200 and "BX24.installFinish()" in installed["body"]
        assert {b["handler"] for b in state.event_bindings} == {f"{base}/b24/events"}
        assert {p["handler"] for p in state.placements} == {f"{base}/app/placement"}

        # A call on the portal: its event goes to the bound handler on the same origin.
        state.event_handler_url = state.event_bindings[0]["handler"]
        contact = create_entity(state, "contact", {"NAME": "Olga", "PHONE": "+15550100"})
        deal = create_entity(state, "deal", {"TITLE": "Renewal", "CONTACT_ID": contact})
        async with http.post(f"{state.base_url}/_sandbox/calls",
                             json={"contact_id": contact, "deal_id": deal}) as response:
            activity_id = (await response.json())["activity_id"]
        for _ in range(100):
            if state.events and state.events[0]["status"] is not None:
                break
            await asyncio.sleep(0.05)
        assert state.events[0]["status"] == 200
        [(topic, key, value)] = published.sent
        assert registry.decode("aica.CrmWebhookEvent", value)["entity_id"] == str(activity_id)

        # The deal card opens the tab: the placement form posted to the bound placement handler.
        form = placement_form(state, "CRM_DEAL_DETAIL_TAB", deal, issue_user_token(state, 1))
        async with http.post(f"{state.placements[0]['handler']}?DOMAIN={state.domain}&LANG=en", data=form) as response:
            page = await response.text()
            assert response.status == 200, page
            assert response.headers["Content-Security-Policy"].endswith(f"frame-ancestors {state.base_url}")
            assert "X-Frame-Options" not in response.headers
        session = html.unescape(re.search(r'data-session="([^"]+)"', page).group(1))
        api_base = re.search(r'data-api-base="([^"]+)"', page).group(1)
        assert api_base == "/app/api"

        # The widget's API and static files on the same origin.
        async with http.get(f"{base}{api_base}/calls", headers={"Authorization": f"Bearer {session}"}) as response:
            assert response.status == 200 and (await response.json()) == {"calls": []}
        async with http.get(f"{base}/app/static/widget.js") as response:
            assert response.status == 200
        async with http.get(f"{base}{api_base}/calls") as response:
            assert response.status == 401
        # The gateway's own answers keep their framing refusal.
        async with http.get(f"{base}/healthz") as response:
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
