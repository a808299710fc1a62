"""Relay secrets rotated per portal from the dashboard: current and (within the overlap window)
previous secrets verify; an expired previous secret or another portal's secret does not."""
from __future__ import annotations

import json
import time

from catalog.portal_settings import PortalSettings
from bitrix.portals import InMemoryPortals
from gateway.app import create_app
from gateway.verify import sign_relay


class SettingsStore:
    def __init__(self, *items: PortalSettings) -> None:
        self.items = {i.member_id: i for i in items}

    def get(self, member_id: str) -> PortalSettings | None:
        return self.items.get(member_id)


def envelope(member_id: str) -> bytes:
    return json.dumps({"source": "bitrix24", "member_id": member_id, "event": "ONCRMACTIVITYADD",
                       "entity_id": "999", "ts": 1466439714}).encode()


def headers(body: bytes, secret: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {"Content-Type": "application/json", "X-Timestamp": stamp,
            "X-Signature": sign_relay(secret.encode(), stamp, body)}


async def post(aiohttp_client, settings, portal, publisher, store, secret):
    client = await aiohttp_client(create_app(settings, InMemoryPortals(portal), publisher, portal_settings=store))
    body = envelope(portal.member_id)
    return await client.post("/relay/events", data=body, headers=headers(body, secret))


async def test_portal_secret_and_previous_within_overlap_verify(aiohttp_client, settings_factory, portal, publisher):
    now = time.time()
    store = SettingsStore(PortalSettings(portal.member_id, relay_secret="new", relay_previous_secret="old",
                                         relay_previous_valid_until=now + 3600))
    settings = settings_factory(relay_secrets="")
    assert (await post(aiohttp_client, settings, portal, publisher, store, "new")).status == 200
    publisher.sent.clear()
    response = await post(aiohttp_client, settings, portal, publisher, store, "old")
    assert response.status in (200,) and (await response.json())["status"] in ("accepted", "duplicate")


async def test_previous_secret_after_overlap_and_foreign_secret_are_refused(
        aiohttp_client, settings_factory, portal, publisher):
    store = SettingsStore(PortalSettings(portal.member_id, relay_secret="new", relay_previous_secret="old",
                                         relay_previous_valid_until=time.time() - 1),
                          PortalSettings("another-portal", relay_secret="theirs"))
    settings = settings_factory(relay_secrets="")
    assert (await post(aiohttp_client, settings, portal, publisher, store, "old")).status == 401
    assert (await post(aiohttp_client, settings, portal, publisher, store, "theirs")).status == 401
    assert publisher.sent == []
