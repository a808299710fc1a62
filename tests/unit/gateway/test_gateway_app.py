"""The assembled app: headers, probes, and the broker-down path through a real KafkaPublisher."""
from __future__ import annotations

from urllib.parse import urlencode

from bitrix.forms import flatten
from gateway.keys import DURABLE_PUBLISHER
from gateway.spool import Spool, SpooledRecord, decode_frames, drain_spool
from schemas import registry

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_every_answer_carries_security_headers_and_errors_are_json(make_client, documented_event):
    client = await make_client()
    accepted = await client.post("/b24/events", data=urlencode(flatten(documented_event)), headers=FORM)
    refused = await client.post("/b24/events", data="{}", headers={"Content-Type": "application/json"})
    missing = await client.get("/nowhere")
    wrong_method = await client.get("/b24/events")
    for response in (accepted, refused, missing, wrong_method):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
    assert (missing.status, (await missing.json())["error"]) == (404, "not_found")
    assert wrong_method.status == 405 and "POST" in wrong_method.headers["Allow"]


async def test_healthz_and_readyz_with_a_working_broker(make_client):
    client = await make_client()
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["spool_bytes"] == 0


async def test_readyz_is_503_while_records_wait_in_the_spool(make_client, settings_factory, failing_publisher):
    settings = settings_factory()
    Spool(settings.data_dir / "spool").append(SpooledRecord("t", b"k", b"v"))
    # The broker errors, so the maintenance loop cannot drain the spool.
    client = await make_client(settings, use_publisher=failing_publisher)
    response = await client.get("/readyz")
    assert response.status == 503
    assert "spool_not_empty" in (await response.json())["problems"]


async def test_broker_down_spools_then_answers_200_and_the_spool_drains_later(
        make_client, settings_factory, closed_port, documented_event):
    settings = settings_factory(kafka_bootstrap=f"127.0.0.1:{closed_port}", publish_timeout_s=0.5)
    client = await make_client(settings, use_publisher=None)  # the app builds its own KafkaPublisher

    response = await client.post("/b24/events", data=urlencode(flatten(documented_event)), headers=FORM)
    assert response.status == 200
    assert (await response.json())["delivery"] == "spooled"
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert {"broker_unreachable", "spool_not_empty"} <= set((await ready.json())["problems"])

    delivery = client.server.app[DURABLE_PUBLISHER]
    spooled = [decode_frames(p.read_bytes()) for p in delivery.spool.seal()]
    assert [len(frames) for frames in spooled] == [1]
    frame = spooled[0][0]
    assert frame.topic == settings.topic("b24.events.v1")
    assert frame.key == documented_event["auth"]["member_id"].encode()
    assert registry.decode("aica.CrmWebhookEvent", frame.value)["entity_id"] == "999"

    # The broker "comes back" as an in-memory sink: everything spooled reaches it, once.
    received: list[tuple[str, bytes, bytes]] = []

    async def sink(topic: str, key: bytes, value: bytes) -> None:
        received.append((topic, key, value))

    assert await drain_spool(delivery.spool, sink) == 1
    assert received == [(frame.topic, frame.key, frame.value)]
    assert delivery.spool.backlog_bytes() == 0
