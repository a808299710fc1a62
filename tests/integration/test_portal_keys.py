"""Portal data keys (streams.portal_keys) on the real broker, as several processes see them: a
record sealed by one process is read at once by another whose view has not yet seen the new key;
two processes racing to make a portal's first key both stay readable; shredding from a third
deletes every key of that portal, and only of that portal, in every view."""
from __future__ import annotations

import threading
import time

import pytest

from streams.kafka_clients import kafka_config
from streams.portal_keys import PortalKeys
from streams.sealing import RecordCodec, Shredded
from streams.topics import Topic, ensure_topics

pytestmark = [pytest.mark.integration]
RECORD = "aica.CallScore"


def score(member_id: str) -> dict:
    return {"context": {"call_id": f"{member_id}.1", "member_id": member_id, "domain": "d", "activity_id": 1,
                        "project": "p", "language": "en", "direction": "incoming"},
            "scorecard": "s", "score": 50, "outcome": "good", "compliance": "pass", "summary": "Call.",
            "improvements": [], "criteria": [],
            "talk": {"agent_talk_s": 1.0, "client_talk_s": 1.0, "silence_s": 0.0, "segments": 2},
            "scored_at": 0}


@pytest.fixture
def processes(pipeline_settings):
    """Three key views of one deployment, each as a separate process has it."""
    ensure_topics(pipeline_settings)
    views = [PortalKeys(pipeline_settings).start() for _ in range(3)]
    yield [RecordCodec(pipeline_settings, lambda v=v: v) for v in views]
    for view in views:
        view.stop()


def test_keys_made_concurrently_stay_readable_everywhere_until_shredded(pipeline_settings, processes):
    one, two, three = processes
    topic = pipeline_settings.topic(Topic.REDACTED)  # sealed in topics.yaml; any record type will do here
    sealed: dict[str, bytes] = {}
    barrier = threading.Barrier(2)

    def seal(name: str, codec: RecordCodec) -> None:
        barrier.wait()  # both make the portal's first key at once
        sealed[name] = codec.encode(topic, RECORD, score("racer"))

    threads = [threading.Thread(target=seal, args=(n, c)) for n, c in (("one", one), ("two", two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other = one.encode(topic, RECORD, score("bystander"))

    # The third view never waited for these keys: a miss reads the topic to its end first.
    for data in (*sealed.values(), other):
        assert three.decode(topic, RECORD, data)["scorecard"] == "s"
    made = {k["key_id"] for k in three.keys.keys_of("racer")}
    assert 1 <= len(made) <= 2  # one each if they raced; never one overwriting the other

    assert three.keys.shred("racer") == len(made)
    for codec in processes:  # the tombstones reach every view
        for data in sealed.values():
            with pytest.raises(Shredded):
                _wait_shredded(codec, topic, data)
        assert codec.decode(topic, RECORD, other)["context"]["member_id"] == "bystander"
    fresh = PortalKeys(pipeline_settings).start()
    try:
        assert fresh.keys_of("racer") == [] and len(fresh.keys_of("bystander")) == 1
        before = _end_offsets(pipeline_settings)
        fresh.nudge_compaction()  # a record in every partition, so Kafka may roll and compact it
        assert all(end == before[p] + 1 for p, end in _end_offsets(pipeline_settings).items())
        assert len(fresh.keys_of("bystander")) == 1
    finally:
        fresh.stop()


def test_the_broker_bounds_how_long_a_deleted_key_stays(pipeline_settings):
    from confluent_kafka.admin import AdminClient, ConfigResource
    ensure_topics(pipeline_settings)
    admin = AdminClient(kafka_config(pipeline_settings.kafka_bootstrap))
    resource = ConfigResource(ConfigResource.Type.TOPIC, pipeline_settings.topic(Topic.PORTAL_KEYS))
    config = admin.describe_configs([resource])[resource].result(timeout=30)
    assert config["cleanup.policy"].value == "compact"
    assert config["max.compaction.lag.ms"].value == "86400000"
    assert config["delete.retention.ms"].value == "86400000"


def _end_offsets(settings) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition
    name = settings.topic(Topic.PORTAL_KEYS)
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "keys-size"}))
    try:
        parts = consumer.list_topics(name, timeout=10).topics[name].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(name, p), 10)[1] for p in parts}
    finally:
        consumer.close()


def _wait_shredded(codec: RecordCodec, topic: str, data: bytes) -> None:
    """Decode until the view has read the tombstone (raises Shredded then), for up to 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        codec.decode(topic, RECORD, data)
        time.sleep(0.1)
