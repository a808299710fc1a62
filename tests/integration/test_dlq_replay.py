"""A dead letter goes back to the topic it came from, unchanged, when replayed."""
from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer, Producer

from schemas import registry
from streams.dlq import matching, read_dead_letters, replay
from streams.topics import Topic, ensure_topics
from streams.kafka_clients import kafka_config

pytestmark = pytest.mark.integration


def test_replay_puts_the_original_bytes_back(pipeline_settings):
    settings = pipeline_settings
    ensure_topics(settings)
    original = b"\xc3\x01original-bytes"
    producer = Producer(kafka_config(settings.kafka_bootstrap))
    for stage, reason in (("ingest", "portal down"), ("transcribe", "unreadable recording")):
        producer.produce(settings.topic(Topic.DEADLETTER), key=b"m1", value=registry.encode("aica.DeadLetter", {
            "source_topic": settings.topic(Topic.INGESTED), "key": b"m1.7", "value": original, "stage": stage,
            "error_type": "X", "reason": reason, "attempts": 3, "call_id": "m1.7", "member_id": "m1",
            "failed_at": int(time.time() * 1000)}))
    producer.flush(10)

    letters = list(read_dead_letters(settings))
    assert [letter["stage"] for letter in letters] == ["ingest", "transcribe"]
    chosen = [letter for letter in letters if matching(stage="transcribe")(letter)]
    assert replay(settings, chosen) == 1

    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "check",
                         "auto.offset.reset": "earliest"}))
    consumer.subscribe([settings.topic(Topic.INGESTED)])
    msg = None
    deadline = time.monotonic() + 20
    while msg is None and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
    consumer.close()
    assert msg is not None and (msg.key(), msg.value()) == (b"m1.7", original)
