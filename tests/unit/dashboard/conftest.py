"""The dashboard against real parts: sandbox portals on 127.0.0.1, a real chdb written by the real
sink code, real signed sessions. Only the portal-settings topic is replaced by an in-memory store
(dashboard_records.MemoryPortalSettings; the Kafka-backed one runs in the integration test)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from blobs.store import LocalBlobStore
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from bitrix.client import RestClient
from bitrix.portals import InMemoryPortals
from dashboard.app import create_dashboard_app, mounted
from dashboard.sessions import SessionSigner, session_key
from sandbox import SandboxState, create_sandbox_app
from sandbox.frames import add_user, issue_user_token
from warehouse.connection import connect
from warehouse.read_model import CallStore
from warehouse.writer import ClickHouseWriter
from streams.settings import Settings

from dashboard_records import MemoryPortalSettings, MemoryRuns


@dataclass
class Portal:
    state: SandboxState
    http: TestClient

    def token(self, user_id: int = 1) -> str:
        return issue_user_token(self.state, user_id)

    def placement_form(self, token: str, entity_id: int, placement: str = "CRM_CONTACT_DETAIL_TAB") -> dict:
        from sandbox.frames import placement_form
        return placement_form(self.state, placement, entity_id, token)


@dataclass
class Dashboard:
    client: TestClient
    settings: Settings
    portal_settings: MemoryPortalSettings
    blobs: LocalBlobStore
    clickhouse: object
    portals: InMemoryPortals
    rescore_runs: MemoryRuns

    def session(self, member_id: str, entity_type: str = "contact", entity_id: int = 3,
                user_id: int = 1, is_admin: bool = True, now: float | None = None) -> str:
        import time
        signer = SessionSigner(session_key(self.settings), self.settings.dashboard_session_ttl_s)
        return signer.issue(member_id=member_id, user_id=user_id, is_admin=is_admin, entity_type=entity_type,
                            entity_id=entity_id, lang="en", now=time.time() if now is None else now)

    async def get(self, path: str, session: str | None, **kwargs) -> aiohttp.ClientResponse:
        headers = kwargs.pop("headers", {})
        if session:
            headers["Authorization"] = f"Bearer {session}"
        return await self.client.get(path, headers=headers, **kwargs)


async def _sandbox(aiohttp_client) -> Portal:
    state = SandboxState()
    http = await aiohttp_client(create_sandbox_app(state))
    state.base_url = str(http.make_url("")).rstrip("/")
    return Portal(state, http)


@pytest.fixture
async def portal_a(aiohttp_client) -> Portal:
    portal = await _sandbox(aiohttp_client)
    portal.state.contacts[3] = {"ID": "3", "NAME": "Olga"}
    portal.state.deals[7] = {"ID": "7", "TITLE": "Renewal"}
    add_user(portal.state, "Boris", admin=False)  # user 2: an agent
    return portal


@pytest.fixture
async def portal_b(aiohttp_client) -> Portal:
    portal = await _sandbox(aiohttp_client)
    portal.state.contacts[3] = {"ID": "3", "NAME": "Other portal's contact 3"}
    return portal


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "var", clickhouse_database="aica_dash")


@pytest.fixture
def clickhouse(settings):
    client = connect(settings)  # one chdb path per process at a time: closed after each test
    ClickHouseWriter(client, settings.clickhouse_database).ensure_schema()
    yield client
    client.close()


@pytest.fixture
async def dashboard(aiohttp_client, settings, clickhouse, portal_a, portal_b, tmp_path) -> Dashboard:
    portals = InMemoryPortals(portal_a.state.installation(), portal_b.state.installation())
    store = CallStore(clickhouse, ThreadPoolExecutor(1))
    blobs = LocalBlobStore(tmp_path / "blobs")
    portal_settings = MemoryPortalSettings()
    catalogs = PortalCatalogs(load_catalog(settings), portal_settings)
    rescore_runs = MemoryRuns()
    async with aiohttp.ClientSession() as http:
        rest = RestClient(http, portals, settings)
        app = create_dashboard_app(settings, portals, store, blobs, portal_settings, catalogs, rest, rescore_runs)
        client = await aiohttp_client(mounted(app))
        yield Dashboard(client, settings, portal_settings, blobs, clickhouse, portals, rescore_runs)
