"""Crypto-shredding on the real broker (issue 10, finding 5): two portals' calls go through the
redact, analyze and score stages; calls.redacted.v1 (kept forever) holds them sealed with each
portal's key. A clean uninstall of one portal deletes its keys: a fresh reader (another process)
can no longer decrypt its stored records, and a rescore of the whole range rescores 0 of its calls
and every call of the other portal."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from agents.rescore import Selection
from aica.embedded import EmbeddedStack
from aica.rescore import Rescorer, RescoreRequest
from schemas import registry
from streams.kafka_clients import kafka_config
from streams.offsets import group_lag
from streams.portal_keys import PortalKeys
from streams.sealing import RecordCodec, Shredded, is_sealed, parse_header
from streams.topics import Topic

pytestmark = [pytest.mark.integration]
STAGES = "ingest,redact,analyze,score,clickhouse,tokens,retry"
OTHER = "otherportal"
PLANTED = "Northwind Energy"
CALL = [
    ("agent", f"Good morning, thank you for calling {PLANTED}, my name is Daniel."),
    ("agent", "This call may be recorded for quality and training purposes."),
    ("client", "Hi, my last bill was charged twice and I would like my money back."),
    ("agent", "I have issued a refund, you will receive it within three days. Goodbye."),
]


def transcript(member_id: str, activity_id: int) -> dict:
    segments = [{"start": 4.0 * i, "end": 4.0 * i + 3.5, "speaker": speaker, "text": text, "words": []}
                for i, (speaker, text) in enumerate(CALL)]
    return {"context": {"call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": "shred.example",
                        "activity_id": activity_id, "project": "support-en", "language": "en", "line": None,
                        "direction": "incoming", "responsible_id": 1, "started_at": None, "duration_s": 16.0,
                        "bindings": [{"entity_type": "contact", "entity_id": activity_id}],
                        "versions": {"asr": "test"}},
            "audio_uri": f"blob://{member_id}/{activity_id}/recording.wav", "language": "en",
            "audio_duration_s": 16.0, "channels": 2, "segments": segments, "transcribed_at": 0}


def publish_transcripts(settings, member_id: str, activity_ids) -> None:
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all", "partitioner": "murmur2_random"}))
    for activity_id in activity_ids:
        record = transcript(member_id, activity_id)
        producer.produce(settings.topic(Topic.TRANSCRIBED), key=record["context"]["call_id"].encode(),
                         value=registry.encode("aica.Transcript", record))
    assert producer.flush(30) == 0


def stored(settings, topic: Topic) -> list[bytes]:
    """Every value on the topic, as the broker keeps it."""
    name = settings.topic(topic)
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "shred-reader", "enable.auto.commit": False}))
    try:
        parts = consumer.list_topics(name, timeout=10).topics[name].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(name, p), 10)[1] for p in parts}
        consumer.assign([TopicPartition(name, p, 0) for p in parts if ends[p] > 0])
        values: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(values) < sum(ends.values()) and time.monotonic() < deadline:
            values += [m.value() for m in consumer.consume(100, 1.0) if not m.error()]
        return values
    finally:
        consumer.close()


async def until(check: Callable[[], bool], timeout_s: float = 180, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout_s}s")
        await asyncio.sleep(0.5)


def readable_by_a_fresh_process(settings, values: list[bytes]) -> tuple[dict[str, int], dict[str, int]]:
    """(decrypted, shredded) counts per portal, with a key view of its own, as a new process has."""
    keys = PortalKeys(settings).start()
    try:
        codec = RecordCodec(settings, lambda: keys)
        decrypted: dict[str, int] = {}
        shredded: dict[str, int] = {}
        for value in values:
            try:
                member = codec.decode(settings.topic(Topic.REDACTED), "aica.RedactedTranscript", value)["context"]["member_id"]
                decrypted[member] = decrypted.get(member, 0) + 1
            except Shredded as gone:
                shredded[gone.member_id] = shredded.get(gone.member_id, 0) + 1
        return decrypted, shredded
    finally:
        keys.stop()


async def test_a_clean_uninstall_shreds_the_portals_transcripts_on_kafka(pipeline_settings):
    settings = pipeline_settings
    stack = await EmbeddedStack(settings, worker_stages=STAGES, manage_broker=False).start()
    member = stack.sandbox_state.member_id
    try:
        await stack.wait_worker_ready()
        publish_transcripts(settings, member, range(1, 4))
        publish_transcripts(settings, OTHER, range(1, 4))
        await until(lambda: len(stored(settings, Topic.SCORED)) == 6, what="six calls scored")

        values = stored(settings, Topic.REDACTED)
        assert len(values) == 6 and all(is_sealed(v) for v in values)
        assert not any(PLANTED.encode() in v or b"refund" in v for v in values)  # no text in the clear
        assert sorted(parse_header(v)[0] for v in values) == sorted([member] * 3 + [OTHER] * 3)
        assert readable_by_a_fresh_process(settings, values) == ({member: 3, OTHER: 3}, {})

        async with aiohttp.ClientSession(base_url=stack.sandbox_url) as http:
            async with http.post("/_sandbox/uninstall", json={"clean": True}) as resp:
                assert (await resp.json())["status"] == 200
        await until(lambda: stack.portals.get(member).status == "uninstalled", what="uninstalled")
        await until(lambda: group_lag(settings, settings.consumer_group, settings.topic(Topic.EVENTS)) == 0,
                    what="uninstall handled")

        # The bytes are still on the broker (retention: forever), but nobody can read them now.
        after = stored(settings, Topic.REDACTED)
        assert sorted(after) == sorted(values)
        assert readable_by_a_fresh_process(settings, after) == ({OTHER: 3}, {member: 3})
        keys = PortalKeys(settings).start()
        try:
            assert keys.keys_of(member) == [] and len(keys.keys_of(OTHER)) == 1
        finally:
            keys.stop()

        rescorer = Rescorer(settings, RescoreRequest(Selection()))
        try:
            report = await rescorer.run()
        finally:
            rescorer.close()
        assert report.state == "done"
        assert (report.rescored, report.shredded, report.failed) == (3, 3, 0)
        assert dict(report.portals) == {OTHER: 3}
        assert len(stored(settings, Topic.RESCORED)) == 3
    finally:
        await stack.stop()
