"""Ingest's status records and the portal's own line mapping, against a real sandbox portal."""
from __future__ import annotations

import aiohttp

from agents.ingest import Ingestor
from blobs.store import LocalBlobStore
from catalog.portal_settings import PortalCatalogs, PortalSettings
from catalog.projects import load_catalog, parse_portal_projects
from bitrix.client import RestClient
from bitrix.portals import InMemoryPortals
from sandbox.calls import CallSpec, create_call
from schemas import registry
from streams.topics import Topic

from dashboard_records import MemoryPortalSettings


async def ingest(portal, settings, tmp_path, spec: CallSpec, portal_settings) -> list:
    activity_id, _ = create_call(portal.state, spec)
    catalogs = PortalCatalogs(load_catalog(settings), portal_settings)
    async with aiohttp.ClientSession() as http:
        rest = RestClient(http, InMemoryPortals(portal.state.installation()), settings)
        ingestor = Ingestor(settings, InMemoryPortals(portal.state.installation()), rest,
                            LocalBlobStore(tmp_path / "blobs"), catalogs)
        event = {"event": "ONCRMACTIVITYUPDATE", "member_id": portal.state.member_id, "entity_id": str(activity_id)}
        return await ingestor.handle(event, None)


async def test_a_call_that_did_not_connect_is_skipped_with_its_reason_and_project(portal_a, settings, tmp_path):
    own = parse_portal_projects({"projects": {"sales": {"lines": ["reg9"], "scorecard": "support-en",
                                                        "language": "ru"}}, "default_project": "sales"},
                                load_catalog(settings))
    store = MemoryPortalSettings()
    await store.put(PortalSettings(portal_a.state.member_id, projects=own, generation=1))
    outputs = await ingest(portal_a, settings, tmp_path, CallSpec(line="reg9", duration_s=0, contact_id=3), store)
    [status] = outputs
    assert status.topic == settings.topic(Topic.CALL_STATUS) and status.record_name == "aica.CallStatus"
    record = registry.decode("aica.CallStatus", registry.encode("aica.CallStatus", status.record))
    assert (record["status"], record["reason"], record["stage"]) == ("skipped", "the call did not connect", "ingest")
    assert record["context"]["project"] == "sales" and record["context"]["language"] == "ru"
    assert {"entity_type": "contact", "entity_id": 3} in record["context"]["bindings"]


async def test_a_non_call_activity_gets_no_status(portal_a, settings, tmp_path):
    assert await ingest(portal_a, settings, tmp_path, CallSpec(is_call=False, contact_id=3), None) == []
