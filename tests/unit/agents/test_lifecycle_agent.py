"""A redelivered ONAPPUNINSTALL from before a reinstall (issue 10, finding 1) is ignored: it must
neither delete the new installation's tokens nor purge the portal's data."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import aiohttp
import pytest
from cryptography.fernet import Fernet

from agents.lifecycle import Lifecycle
from agents.tokens import TokenAgent
from blobs.store import LocalBlobStore
from bitrix.oauth import LocalTokens
from bitrix.portals import InMemoryPortals, Portal
from control.tokens import token_request
from schemas import registry
from streams.settings import Settings
from streams.stage import Consumed

INSTALLED_AT = 1_800_000_000.0
PORTAL = Portal(member_id="m1", domain="p.example", client_endpoint="https://p.example/rest/",
                server_endpoint="https://oauth.bitrix.info/rest/", application_token="app-token",
                access_token="access", refresh_token="refresh", access_expires_at=INSTALLED_AT + 3600,
                generation=3, installed_at=INSTALLED_AT)


def uninstall_event(sent_at: float, clean: bool = True) -> dict:
    return {"event": "ONAPPUNINSTALL", "member_id": "m1", "clean": clean, "ts": int(sent_at),
            "received_at": datetime.fromtimestamp(sent_at + 0.5, timezone.utc)}


@pytest.fixture
def world(tmp_path):
    portals, blobs, purged = InMemoryPortals(PORTAL), LocalBlobStore(tmp_path / "blobs"), []

    async def purge(member_id):
        purged.append(member_id)
    blobs.call_dir("m1", "m1.5").mkdir(parents=True)
    return Lifecycle(LocalTokens(None, portals, Settings()), blobs, purge), portals, purged, tmp_path / "blobs" / "m1"


async def test_an_uninstall_sent_before_the_latest_install_is_ignored(world):
    lifecycle, portals, purged, recordings = world
    await lifecycle.handle(uninstall_event(INSTALLED_AT - 120))
    assert portals.get("m1") == PORTAL and purged == [] and recordings.exists()


async def test_an_uninstall_sent_after_the_install_deletes_tokens_and_purges(world):
    lifecycle, portals, purged, recordings = world
    await lifecycle.handle(uninstall_event(INSTALLED_AT + 120))
    gone = portals.get("m1")
    assert (gone.status, gone.access_token, gone.application_token) == ("uninstalled", "", "")
    assert purged == ["m1"] and not recordings.exists()


async def test_an_uninstall_in_the_same_second_as_the_install_still_counts(world):
    lifecycle, portals, _, _ = world
    await lifecycle.handle(uninstall_event(INSTALLED_AT + 0.2, clean=False))
    assert portals.get("m1").status == "uninstalled"


async def test_the_token_agent_keeps_a_reinstall_against_an_older_uninstall_request():
    portals = InMemoryPortals(PORTAL)
    async with aiohttp.ClientSession() as session:
        agent = TokenAgent(portals, LocalTokens(session, portals, Settings()), Fernet(Fernet.generate_key()),
                           catch_up_s=0.1)
        old = token_request("m1", "uninstall", 2, event_at=INSTALLED_AT - 60)
        await agent.handle(registry.decode("aica.TokenRequest", registry.encode("aica.TokenRequest", old)),
                           Consumed("t", None, b""))
        assert portals.get("m1") == PORTAL
        new = token_request("m1", "uninstall", 3, event_at=INSTALLED_AT + 60)
        await agent.handle(registry.decode("aica.TokenRequest", registry.encode("aica.TokenRequest", new)),
                           Consumed("t", None, b""))
        assert portals.get("m1").status == "uninstalled"


def test_install_time_survives_the_portals_topic():
    from control.portals import portal_to_record, record_to_portal
    box = Fernet(Fernet.generate_key())
    wire = registry.encode("aica.PortalInstallation", portal_to_record(PORTAL, box))
    assert record_to_portal(registry.decode("aica.PortalInstallation", wire), box).installed_at == INSTALLED_AT
    assert replace(PORTAL, installed_at=0.0).installed_at == 0.0
