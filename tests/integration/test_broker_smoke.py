"""The local broker is a real Kafka: topics, produce/consume, and data that survives a restart."""
from __future__ import annotations

import socket
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from streams.localbroker import LocalBroker
from streams.kafka_clients import kafka_config

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient(kafka_config(bootstrap))
    for future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).values():
        future.result(timeout=30)


def produce_one(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = Producer(kafka_config(bootstrap, **{"acks": "all"}))
    delivered: list[object] = []
    producer.produce(topic, key=key, value=value, on_delivery=lambda err, msg: delivered.append(err or msg))
    assert producer.flush(30) == 0
    assert delivered and not isinstance(delivered[0], Exception) and delivered[0].error() is None


def consume_all(bootstrap: str, topic: str, expected: int) -> list[tuple[bytes, bytes]]:
    consumer = Consumer(kafka_config(bootstrap, **{"group.id": f"smoke-{uuid.uuid4().hex}",
                                                   "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    consumer.subscribe([topic])
    received: list[tuple[bytes, bytes]] = []
    try:
        for _ in range(60):  # polls of up to 1 s; stops as soon as everything arrived
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                received.append((message.key(), message.value()))
            if len(received) >= expected:
                break
    finally:
        consumer.close()
    return received


def test_message_survives_a_broker_restart(tmp_path):
    data_dir = tmp_path / "kafka"
    topic = f"smoke.{uuid.uuid4().hex[:8]}.v1"
    broker = LocalBroker(data_dir, port=free_port(), controller_port=free_port())
    with broker:
        assert broker.status().running
        create_topic(broker.bootstrap, topic)
        produce_one(broker.bootstrap, topic, b"call-1", b"recorded")
        assert consume_all(broker.bootstrap, topic, 1) == [(b"call-1", b"recorded")]
    assert not broker.status().running
    cluster_id = (data_dir / "cluster.id").read_text()

    with LocalBroker(data_dir, port=broker.port, controller_port=broker.controller_port) as restarted:
        assert consume_all(restarted.bootstrap, topic, 1) == [(b"call-1", b"recorded")]
    assert (data_dir / "cluster.id").read_text() == cluster_id


def test_second_start_adopts_the_running_broker(tmp_path):
    broker = LocalBroker(tmp_path / "kafka", port=free_port(), controller_port=free_port())
    with broker:
        pid = broker.status().pid
        other = LocalBroker(tmp_path / "kafka", port=broker.port, controller_port=broker.controller_port)
        other.start()
        assert other.status().pid == pid
        other.stop()  # stop from an instance that did not start it
        assert not broker.status().running
