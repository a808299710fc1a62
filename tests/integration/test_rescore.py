"""`aica rescore` on the real broker: calls scored live under the built-in scorecard version (LIVE); the
scorecard changes to the next version (NEXT); the rescore re-judges exactly the calls in its time range under it,
ClickHouse holds both versions, calls arriving live meanwhile are scored under the live version
only, running it again changes nothing, and a run stopped midway finishes without duplicates."""
from __future__ import annotations

import asyncio
import time

import pytest
import yaml
from confluent_kafka import Producer

from agents.rescore import Selection
from aica.embedded import EmbeddedStack
from aica.rescore import Rescorer, RescoreRequest
from catalog.projects import DEFAULT_PROJECTS_FILE
from schemas import registry
from streams.offsets import group_lag
from streams.topics import Topic
from warehouse.connection import connect
from streams.kafka_clients import kafka_config

pytestmark = [pytest.mark.integration]
MEMBER = "rescoreportal"
DAY_MS = 86_400_000
GOOD_CALL = [
    ("agent", "Good morning, thank you for calling Northwind Energy, my name is Daniel."),
    ("agent", "This call may be recorded for quality and training purposes."),
    ("client", "Hi, my last bill was charged twice and I would like my money back."),
    ("agent", "I am sorry to hear that. Could you confirm your date of birth, please?"),
    ("client", "It is <DATE_TIME>."),
    ("agent", "Thank you. I have issued a refund, you will receive it within three days."),
    ("agent", "Is there anything else I can help you with? Thank you for calling, goodbye."),
]


def redacted(activity_id: int) -> dict:
    segments = [{"start": 4.0 * i, "end": 4.0 * i + 3.5, "speaker": speaker, "text": text, "words": []}
                for i, (speaker, text) in enumerate(GOOD_CALL)]
    return {"context": {"call_id": f"{MEMBER}.{activity_id}", "member_id": MEMBER, "domain": "rescore.example",
                        "activity_id": activity_id, "project": "support-en", "language": "en", "line": None,
                        "direction": "incoming", "responsible_id": 1, "started_at": None, "duration_s": 28.0,
                        "bindings": [{"entity_type": "contact", "entity_id": activity_id}],
                        "versions": {"asr": "test", "redaction": "test"}},
            "audio_uri": f"blob://{MEMBER}/{activity_id}/recording.wav", "language": "en",
            "audio_duration_s": 28.0, "channels": 2, "segments": segments, "entities": [], "redacted_at": 0}


def publish_redacted(settings, activity_ids, at_ms: int) -> None:
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all",
                         "partitioner": "murmur2_random"}))
    for activity_id in activity_ids:
        record = redacted(activity_id)
        producer.produce(settings.topic(Topic.REDACTED), key=record["context"]["call_id"].encode(),
                         value=registry.encode("aica.RedactedTranscript", record), timestamp=at_ms)
    assert producer.flush(30) == 0


LIVE = str(yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())["scorecards"]["support-en"]["version"])
NEXT = str(int(LIVE) + 1)


def projects_v2(tmp_path):
    """The built-in catalog with support-en bumped to the next version and resolution weighted higher."""
    data = yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())
    card = data["scorecards"]["support-en"]
    card["version"] = NEXT
    for criterion in card["criteria"]:
        if criterion["id"] == "resolution":
            criterion["weight"] = 3
    path = tmp_path / "projects-v2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


async def wait_consumed(settings, topic: Topic, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while await asyncio.to_thread(group_lag, settings, settings.consumer_group, settings.topic(topic)) > 0:
        assert time.monotonic() < deadline, f"{topic} not consumed in time"
        await asyncio.sleep(0.5)


def topic_size(settings, topic: Topic) -> int:
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "size"}))
    try:
        name = settings.topic(topic)
        parts = consumer.list_topics(name, timeout=10).topics[name].partitions
        return sum(consumer.get_watermark_offsets(TopicPartition(name, p), 10)[1] for p in parts)
    finally:
        consumer.close()


async def test_rescore_judges_the_range_again_beside_the_old_verdicts(pipeline_settings, tmp_path):
    settings = pipeline_settings
    stack = await EmbeddedStack(settings, manage_broker=False, worker_stages="analyze,score,clickhouse,tokens,retry").start()
    now = int(time.time() * 1000)
    old, in_range, live = range(100, 104), range(200, 208), range(300, 303)
    try:
        await stack.wait_worker_ready()
        publish_redacted(settings, old, now - 3 * DAY_MS)
        publish_redacted(settings, in_range, now - DAY_MS)
        await wait_consumed(settings, Topic.REDACTED)
        await wait_consumed(settings, Topic.SCORED)

        v2 = settings.model_copy(update={"projects_file": projects_v2(tmp_path)})
        request = RescoreRequest(Selection(member_id=MEMBER), since_ms=now - 2 * DAY_MS, until_ms=now - DAY_MS // 2)
        rescorer = Rescorer(v2, request)
        rescorer.batch_size = 3
        try:
            planned = await rescorer.dry_run()
            assert (planned.planned, dict(planned.portals)) == (len(in_range), {MEMBER: len(in_range)})
            assert topic_size(settings, Topic.RESCORED) == 0  # a dry run publishes nothing
            asked = []

            def stop_after_first_batch() -> bool:  # what Ctrl-C does
                asked.append(1)
                return len(asked) > 1

            report = await rescorer.run(stop=stop_after_first_batch)
            assert report.state == "running" and 0 < report.read < len(in_range)
            publish_redacted(settings, live, now)  # live traffic while the run is unfinished
            report = await rescorer.run()  # the same command resumes
            assert report.state == "done" and report.rescored == len(in_range)
            rescored_messages = topic_size(settings, Topic.RESCORED)
            assert rescored_messages == len(in_range)  # no call twice, none outside the range
            again = await rescorer.run()
            assert again.state == "done" and topic_size(settings, Topic.RESCORED) == rescored_messages
        finally:
            rescorer.close()
        await wait_consumed(settings, Topic.REDACTED)
        await wait_consumed(settings, Topic.RESCORED)
        await wait_consumed(settings, Topic.SCORED)
    finally:
        await stack.stop()

    client = connect(settings)
    rows = client.query("SELECT call_id, scorecard, score FROM calls FINAL WHERE member_id = {m:String}",
                        parameters={"m": MEMBER}).result_rows
    raw = client.query("SELECT count() FROM calls WHERE member_id = {m:String} AND scorecard = {s:String}",
                       parameters={"m": MEMBER, "s": f"support-en@{NEXT}"}).result_rows[0][0]
    by_version: dict[str, set[int]] = {}
    for call_id, scorecard, _score in rows:
        by_version.setdefault(scorecard, set()).add(int(call_id.rsplit(".", 1)[1]))
    assert by_version[f"support-en@{LIVE}"] == set(old) | set(in_range) | set(live)  # the live version, untouched
    assert by_version[f"support-en@{NEXT}"] == set(in_range)  # exactly the range
    assert raw == len(in_range)  # not even raw duplicates
    criteria_v2 = client.query("SELECT DISTINCT label FROM call_criteria WHERE scorecard = {s:String}"
                               " AND member_id = {m:String}", parameters={"m": MEMBER, "s": f"support-en@{NEXT}"}).result_rows
    assert criteria_v2
