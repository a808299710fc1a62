"""`aica gateway` composes one public origin: the dashboard is mounted at /app when ClickHouse is a
server (or when asked), never over the embedded chdb the worker owns."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import aiohttp
import pytest

from aica.origin import create_public_app, serves_dashboard
from blobs.store import LocalBlobStore
from bitrix.client import RestClient
from bitrix.limits import PortalLimits
from bitrix.portals import InMemoryPortals
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from dashboard.keys import LIMITS as DASHBOARD_LIMITS
from gateway.install import REST as INSTALL_REST
from streams.settings import Settings
from warehouse.connection import connect
from warehouse.writer import ClickHouseWriter


class Settled:
    """A portal-settings view with no portal's own settings."""

    def get(self, member_id):
        return None

    async def put(self, value):
        pass


def test_the_dashboard_joins_the_gateway_only_with_a_clickhouse_server(tmp_path):
    assert serves_dashboard(Settings(clickhouse_dsn="http://aica:pw@clickhouse:8123"))
    assert serves_dashboard(Settings(clickhouse_dsn="https://ch.example:8443"))
    assert not serves_dashboard(Settings(data_dir=tmp_path))  # chdb: the worker's


@pytest.mark.parametrize("mounted", [True, False])
async def test_the_composed_app_serves_app_paths_only_when_mounted(aiohttp_client, tmp_path, mounted):
    settings = Settings(data_dir=tmp_path, clickhouse_database="aica_origin")
    clickhouse = connect(settings)
    ClickHouseWriter(clickhouse, settings.clickhouse_database).ensure_schema()
    portals, catalog = InMemoryPortals(), load_catalog(settings)
    session = aiohttp.ClientSession()
    limits = PortalLimits.side_only(settings)
    res = SimpleNamespace(limits=limits, portals=portals, tokens=None, portal_settings=Settled(), clickhouse=clickhouse,
                          clickhouse_thread=ThreadPoolExecutor(1), blobs=LocalBlobStore(tmp_path / "blobs"),
                          catalogs=PortalCatalogs(catalog, Settled()), rest=RestClient(session, portals, settings, limits=limits),
                          rescore_runs=None)
    try:
        client = await aiohttp_client(create_public_app(settings, with_dashboard=mounted, res=res))
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/app/healthz")
        assert response.status == (200 if mounted else 404)
        if mounted:
            assert "X-Frame-Options" not in response.headers
        # one limiter per portal in the process: the install path and the dashboard take res.limits
        assert client.app[INSTALL_REST].limits is limits
        dashboards = [sub for sub in client.app._subapps if DASHBOARD_LIMITS in sub]
        assert [d[DASHBOARD_LIMITS] for d in dashboards] == ([limits] if mounted else [])
        await client.close()
        assert session.closed  # the composed app closes what it was given on cleanup
    finally:
        clickhouse.close()
