"""KafkaPublisher against a broker that is not there (the real-broker path is an integration test)."""
from __future__ import annotations

import pytest

from gateway.publisher import KafkaPublisher, PublishError, producer_config


def test_producer_waits_for_all_replicas_and_partitions_like_java():
    config = producer_config("127.0.0.1:9092", ack_timeout_s=2.5)
    assert (config["acks"], config["enable.idempotence"], config["partitioner"]) == ("all", True, "murmur2_random")
    assert config["message.timeout.ms"] == 2500


async def test_publish_to_an_unreachable_broker_fails_instead_of_hanging(closed_port):
    publisher = KafkaPublisher(f"127.0.0.1:{closed_port}", ack_timeout_s=0.5)
    try:
        with pytest.raises(PublishError):
            await publisher.publish("b24.events.v1", b"member", b"value")
        assert await publisher.ping(timeout_s=0.2) is False
    finally:
        publisher.close(flush_timeout_s=0.5)
