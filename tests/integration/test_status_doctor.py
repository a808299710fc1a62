"""`aica status` and `aica doctor` against the real broker: topics, a consumer group's lag, an
installed portal and its state, the last dead letter; doctor passes where the deployment is sound."""
from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from confluent_kafka import Consumer, Producer, TopicPartition

from aica.cli import main
from aica.embedded import settings_env
from bitrix.portals import Portal
from control.portals import KafkaPortals
from schemas import registry
from streams.dlq import read_dead_letters
from streams.kafka_clients import kafka_config
from streams.topics import Topic, ensure_topics

pytestmark = [pytest.mark.integration]


async def test_status_and_doctor_on_a_live_broker(pipeline_settings, sandbox_portal):
    settings = pipeline_settings
    runner = CliRunner()
    env = settings_env(settings)
    before = runner.invoke(main, ["status"], env=env)
    assert before.exit_code == 0 and "MISSING" in before.output

    ensure_topics(settings)
    portals = KafkaPortals(settings).start()
    portals.put_sync(Portal(member_id="m" * 32, domain="shop.example", client_endpoint=sandbox_portal.client_endpoint,
                            server_endpoint="https://oauth.bitrix.info/rest/", application_token="a",
                            access_token="t", refresh_token="r", access_expires_at=0.0))
    portals.stop()
    letter = {"source_topic": settings.topic(Topic.SCORED), "key": b"k", "value": b"v", "value_ref": None,
              "stage": "crm", "error_type": "AccessDenied", "reason": "ACCESS_DENIED: no crm scope",
              "attempts": 0, "call_id": "m.1", "member_id": "m" * 32, "failed_at": 1_700_000_000_000}
    producer = Producer(kafka_config(settings.kafka_bootstrap))
    for n in range(7):  # older letters on the same partition: status shows only the newest five
        older = {**letter, "reason": f"older letter {n}", "failed_at": letter["failed_at"] - 1000 * (7 - n)}
        producer.produce(settings.topic(Topic.DEADLETTER), key=b"k", value=registry.encode("aica.DeadLetter", older))
    producer.produce(settings.topic(Topic.DEADLETTER), key=b"k", value=registry.encode("aica.DeadLetter", letter))
    events = settings.topic(Topic.EVENTS)
    for _ in range(3):
        producer.produce(events, key=b"k", value=b"x", partition=0)
    assert producer.flush(10) == 0
    # The worker's group has taken one of the three: two behind.
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": settings.consumer_group}))
    consumer.commit(offsets=[TopicPartition(events, 0, 1)], asynchronous=False)
    consumer.close()

    status = runner.invoke(main, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert "topics   all" in status.output
    assert f"{'m' * 32}" in status.output and "shop.example" in status.output and "active" in status.output
    assert "ACCESS_DENIED: no crm scope" in status.output
    assert "last errors  5" in status.output
    assert "older letter 6" in status.output and "older letter 3" in status.output
    assert "older letter 2" not in status.output and "older letter 0" not in status.output
    # It reads only that many from the end of each partition, not the whole topic.
    newest = [d["reason"] for d in read_dead_letters(settings, timeout_s=5, newest=2)]
    assert newest == ["older letter 6", "ACCESS_DENIED: no crm scope"]
    [lag_line] = [line.split() for line in status.output.splitlines() if events in line]
    assert lag_line == [settings.consumer_group, events, "2"]

    # In a thread: the sandbox portal it reaches is served by this test's event loop.
    doctor = await asyncio.to_thread(runner.invoke, main, ["doctor", "--skip-models"], env=env)
    assert doctor.exit_code == 0, doctor.output
    assert "[ok  ] broker" in doctor.output and "retention as configured" in doctor.output
    assert "[ok  ] portal shop.example" in doctor.output
