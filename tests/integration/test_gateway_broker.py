"""The gateway against a real broker: 200 only after the broker acked; with the broker down the
event is spooled to disk, answered 200 (Bitrix24 never resends), and delivered once it is back."""
from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer

from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals, Portal
from gateway.app import create_app
from schemas import registry
from streams.localbroker import LocalBroker
from streams.settings import Settings
from streams.topics import ensure_topics
from tests.conftest import free_port
from streams.kafka_clients import kafka_config

pytestmark = pytest.mark.integration

PORTAL = Portal(member_id="a223c6b3710f85df22e9377d6c4f7553", domain="some-domain.bitrix24.com",
                client_endpoint="https://some-domain.bitrix24.com/rest/",
                server_endpoint="https://oauth.bitrix.info/rest/",
                application_token="51856fefc120afa4b628cc82d3935cce", access_token="a", refresh_token="r",
                access_expires_at=0)


def event_form(activity_id: int) -> list[tuple[str, str]]:
    return flatten({"event": "ONCRMACTIVITYUPDATE", "event_handler_id": "185",
                    "data": {"FIELDS": {"ID": str(activity_id)}}, "ts": "1766047124",
                    "auth": {"domain": PORTAL.domain, "member_id": PORTAL.member_id, "status": "L",
                             "client_endpoint": PORTAL.client_endpoint, "server_endpoint": PORTAL.server_endpoint,
                             "application_token": PORTAL.application_token}})


def consume_all(settings: Settings, timeout_s: float = 20.0) -> list[dict]:
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": f"check-{time.time()}",
                                                                 "auto.offset.reset": "earliest"}))
    consumer.subscribe([settings.topic("b24.events.v1")])
    out, deadline = [], time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                assert msg.key() == PORTAL.member_id.encode()
                out.append(registry.decode("aica.CrmWebhookEvent", msg.value()))
            elif out:
                break
    finally:
        consumer.close()
    return out


async def test_accepted_event_is_on_the_broker(aiohttp_client, pipeline_settings):
    ensure_topics(pipeline_settings)
    client = await aiohttp_client(create_app(pipeline_settings, InMemoryPortals(PORTAL)))
    resp = await client.post("/b24/events", data=event_form(501))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["delivery"] == "acked"
    [record] = consume_all(pipeline_settings)
    assert (record["event"], record["entity_id"], record["member_id"]) == ("ONCRMACTIVITYUPDATE", "501",
                                                                          PORTAL.member_id)


async def test_broker_outage_spools_then_delivers(aiohttp_client, tmp_path):
    broker = LocalBroker(tmp_path / "kafka", port=free_port(), controller_port=free_port())
    broker.start(timeout=120)
    try:
        settings = Settings(data_dir=tmp_path / "var", kafka_bootstrap=broker.bootstrap, publish_timeout_s=2.0)
        ensure_topics(settings)
        client = await aiohttp_client(create_app(settings, InMemoryPortals(PORTAL), drain_interval_s=0.5))
        broker.stop()

        resp = await client.post("/b24/events", data=event_form(777))
        assert resp.status == 200
        assert (await resp.json())["delivery"] == "spooled"
        assert (await client.get("/readyz")).status == 503

        broker.start(timeout=120)
        deadline = time.monotonic() + 60
        while (await client.get("/readyz")).status != 200:
            assert time.monotonic() < deadline, "spool was not drained"
            await _sleep(0.5)
        records = consume_all(settings)
        assert [r["entity_id"] for r in records] == ["777"]
    finally:
        broker.stop()


async def _sleep(seconds: float) -> None:
    import asyncio
    await asyncio.sleep(seconds)
