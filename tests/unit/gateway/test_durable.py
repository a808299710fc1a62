"""DurablePublisher: ack when the broker acks, spool when it does not, drain when it is back."""
from __future__ import annotations

import asyncio

from gateway.durable import DurablePublisher
from gateway.spool import Spool, decode_frames


def spooled(spool: Spool) -> list[tuple[str, bytes, bytes]]:
    return [(r.topic, r.key, r.value) for p in spool.seal() for r in decode_frames(p.read_bytes())]


async def test_acked_records_are_not_spooled(tmp_path, publisher):
    delivery = DurablePublisher(publisher, Spool(tmp_path), ack_timeout_s=5)
    assert await delivery.deliver("t", b"k", b"v") == "acked"
    assert publisher.sent == [("t", b"k", b"v")]
    assert spooled(delivery.spool) == []
    assert delivery.health.reachable is True


async def test_failed_publish_is_spooled_and_later_records_skip_the_dead_broker(tmp_path, failing_publisher):
    delivery = DurablePublisher(failing_publisher, Spool(tmp_path), ack_timeout_s=5)
    assert await delivery.deliver("t", b"k1", b"v1") == "spooled"
    assert await delivery.deliver("t", b"k2", b"v2") == "spooled"
    assert failing_publisher.calls == 1  # the second one did not wait on a broker known to be down
    assert spooled(delivery.spool) == [("t", b"k1", b"v1"), ("t", b"k2", b"v2")]
    ready, body = await delivery.readiness()
    assert not ready and set(body["problems"]) == {"broker_unreachable", "spool_not_empty"}


async def test_maintenance_drains_the_spool_once_the_broker_is_back(tmp_path, failing_publisher):
    delivery = DurablePublisher(failing_publisher, Spool(tmp_path), ack_timeout_s=5)
    await delivery.deliver("t", b"k", b"v")
    assert await delivery.check_and_drain(ping_timeout_s=0.1) == 0  # still down: nothing moves
    assert delivery.spool.backlog_bytes() > 0

    failing_publisher.failing = False
    assert await delivery.check_and_drain(ping_timeout_s=0.1) == 1
    assert failing_publisher.sent == [("t", b"k", b"v")]
    assert await delivery.readiness() == (True, {"status": "ready", "broker_reachable": True, "spool_bytes": 0})


class HangingPublisher:
    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        await asyncio.Event().wait()  # a broker that never answers


async def test_a_publisher_that_never_answers_is_given_up_on_and_the_record_spooled(tmp_path):
    delivery = DurablePublisher(HangingPublisher(), Spool(tmp_path), ack_timeout_s=0.05)
    assert await delivery.deliver("t", b"k", b"v") == "spooled"
    assert spooled(delivery.spool) == [("t", b"k", b"v")]
