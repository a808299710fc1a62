"""The first hour in headless Chromium, on one public origin (the gateway with the dashboard
mounted, as production runs it): open the sandbox portal's home, place a sample call against a deal,
see its events reach the gateway, then open the deal card and its AICA tab, framed as Bitrix24 frames
it, showing the call analysed. No broker here: the pipeline's records for that call (score, status)
are written into ClickHouse by the real writer code, as the worker would after the models ran."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from blobs.store import LocalBlobStore
from bitrix.client import RestClient
from bitrix.portals import InMemoryPortals
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from dashboard.app import create_dashboard_app
from gateway.app import create_app
from sandbox import SandboxState, create_sandbox_app
from sandbox.home import seed_crm
from schemas import registry
from streams.settings import Settings
from tests.browser.conftest import silent_wav
from tests.conftest import free_port
from tests.unit.dashboard.dashboard_records import MemoryPortalSettings, MemoryRuns, context, score_record
from warehouse import rows as call_rows, writer as call_writes
from warehouse.connection import connect
from warehouse.read_model import CallStore
from warehouse.writer import ClickHouseWriter

pytestmark = [pytest.mark.browser]


class Published:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append(value)


async def test_first_hour_place_a_call_and_see_it_in_the_deal_tab(aiohttp_server, browser, tmp_path, artifacts):
    state = SandboxState()
    portal = await aiohttp_server(create_sandbox_app(state))
    state.base_url = str(portal.make_url("")).rstrip("/")
    seed_crm(state)
    state.samples = {"refund": {"title": "Billing refund", "path": str(silent_wav(tmp_path / "refund.wav", 20)),
                                "line": "reg1", "direction": "incoming"}}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path / "var", clickhouse_database="aica_first_hour", public_url=base,
                        oauth_server_endpoints=[state.server_endpoint])
    clickhouse = connect(settings)
    ClickHouseWriter(clickhouse, settings.clickhouse_database).ensure_schema()
    portals, published, portal_settings = InMemoryPortals(), Published(), MemoryPortalSettings()
    page = None
    try:
        async with aiohttp.ClientSession() as http:
            dashboard = create_dashboard_app(
                settings, portals, CallStore(clickhouse, ThreadPoolExecutor(1)), LocalBlobStore(tmp_path / "blobs"),
                portal_settings, PortalCatalogs(load_catalog(settings), portal_settings),
                RestClient(http, portals, settings), MemoryRuns())
            await aiohttp_server(create_app(settings, portals, published, dashboard=dashboard), port=port)
            async with http.post(f"{state.base_url}/_sandbox/install",
                                 json={"handler_url": f"{base}/b24/install", "form": "frame"}) as response:
                assert (await response.json())["status"] == 200
            state.event_handler_url = state.event_bindings[0]["handler"]

            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await page.goto(f"{state.base_url}/")
            assert "the AICA app is installed" in await page.content()
            deal_id, deal = next(iter(state.deals.items()))
            await page.select_option(f"form:has(#place-{deal_id}) select", "refund")
            await page.click(f"#place-{deal_id}")
            notice = await page.wait_for_selector("#placed")
            activity_id = int(re.search(r"#(\d+)", await notice.inner_text()).group(1))
            for _ in range(100):  # ADD now, UPDATE with the recording a second later
                if len(published.sent) == 2:
                    break
                await asyncio.sleep(0.1)
            events = [registry.decode("aica.CrmWebhookEvent", value) for value in published.sent]
            assert [(e["event"], e["entity_id"]) for e in events] == [
                ("ONCRMACTIVITYADD", str(activity_id)), ("ONCRMACTIVITYUPDATE", str(activity_id))]

            # What the worker writes once the models ran (no broker in this test).
            scored = score_record(context(state.member_id, activity_id, contact_id=int(deal["CONTACT_ID"]),
                                          deal_id=deal_id), 80)
            ClickHouseWriter(clickhouse, settings.clickhouse_database).write_scores([scored])
            call_writes.write_statuses(clickhouse, [call_rows.status_row_from_score(scored)])

            await page.click(f"#deal-{deal_id}")
            await page.wait_for_selector("#tab")
            tab = None
            for _ in range(100):
                tab = page.frame(name="app")
                if tab is not None and tab.url.startswith(f"{base}/app/placement"):
                    break
                await asyncio.sleep(0.1)
            await tab.wait_for_selector("#aica[data-ready=true]", state="attached", timeout=30_000)
            await tab.wait_for_selector(".call[data-status=done]")
            assert await tab.locator(".call[data-status=done] .score").inner_text() == "80"
            await page.screenshot(path=str(artifacts / "first-hour-deal-card.png"))
    finally:
        if page is not None:
            await page.close()
        clickhouse.close()
