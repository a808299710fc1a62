"""Rescore throughput: redacted calls in the topic -> analysis -> scoring -> ClickHouse, vs the
same analysis and scoring functions called in a plain loop, in the same run.

- Fills `calls.redacted.v1` on a local broker with N calls spread over `--days` days (realistic
  transcripts of the sample calls, personal data already replaced by placeholders).
- Baseline: `agents.rescore.rescore` on those records in a plain loop (no Kafka, no ClickHouse).
- Rescore: `aica.rescore.Rescorer` over the last `--range-days` (offsets-for-times), then the
  rescored topic written to an in-process ClickHouse with the sink's writer, timed end to end.
  Prints how many messages the replay read out of the whole topic (it must read only the range).

    .venv/bin/python -m bench.rescore_throughput --calls 2000 --days 30 --range-days 30
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

from agents.analyze.agent import Analyzer  # noqa: E402
from agents.rescore import Selection, rescore  # noqa: E402
from aica.rescore import Rescorer, RescoreRequest  # noqa: E402
from aica.samples import load_samples  # noqa: E402
from catalog.projects import load_catalog  # noqa: E402
from schemas import registry  # noqa: E402
from streams.kafka_clients import kafka_config  # noqa: E402
from streams.localbroker import LocalBroker  # noqa: E402
from streams.sealing import shared_codec  # noqa: E402
from streams.settings import Settings  # noqa: E402
from streams.topics import Topic, ensure_topics  # noqa: E402
from warehouse.connection import connect  # noqa: E402
from warehouse.writer import ClickHouseWriter, write_new_scores  # noqa: E402

DAY_MS = 86_400_000


def placeholders(text: str, planted: tuple[str, ...]) -> str:
    """The sample's planted personal data as the redact stage leaves it: a placeholder."""
    for value in planted:
        text = text.replace(value, "<PERSON>")
    return text


def redacted_calls(n: int, now_ms: int, days: int) -> list[tuple[int, dict]]:
    """(timestamp, aica.RedactedTranscript) for n calls, evenly spread over `days`, newest last."""
    samples, out = load_samples(), []
    for i in range(n):
        sample = samples[i % len(samples)]
        segments = [{"start": 5.0 * k, "end": 5.0 * k + 4.5, "speaker": t.speaker if sample.stereo else "unknown",
                     "text": placeholders(t.text, sample.planted_pii), "words": []} for k, t in enumerate(sample.turns)]
        ctx = {"call_id": f"benchportal.{i}", "member_id": "benchportal", "domain": "bench.example",
               "activity_id": i, "project": "support-en", "language": "en", "line": None, "direction": "incoming",
               "responsible_id": 1, "started_at": None, "duration_s": 5.0 * len(segments),
               "bindings": [{"entity_type": "contact", "entity_id": i}], "versions": {}}
        out.append((now_ms - days * DAY_MS + (i * days * DAY_MS) // max(n, 1),
                    {"context": ctx, "audio_uri": f"blob://benchportal/{i}/recording.wav", "language": "en",
                     "audio_duration_s": ctx["duration_s"], "channels": 2 if sample.stereo else 1,
                     "segments": segments, "entities": [], "redacted_at": now_ms}))
    return out


def fill_topic(settings: Settings, calls: list[tuple[int, dict]]) -> None:
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{
        "linger.ms": 50, "partitioner": "murmur2_random", "queue.buffering.max.messages": 200_000}))
    for ts, record in calls:
        producer.produce(settings.topic(Topic.REDACTED), key=record["context"]["call_id"].encode(),
                         value=registry.encode("aica.RedactedTranscript", record), timestamp=ts)
        producer.poll(0)
    producer.flush(120)


async def baseline_rate(settings: Settings, records: list[dict]) -> float:
    analyzer = Analyzer(settings, load_catalog(settings))
    started = time.perf_counter()
    for record in records:
        await rescore(record, analyzer, 0)
    return len(records) / (time.perf_counter() - started)


def store_rescored(settings: Settings, expected: int) -> int:
    """Read calls.rescored.v1 and write it with the ClickHouse sink's writer (as the worker does)."""
    client = connect(settings)
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{
        "group.id": "bench-store", "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    topic = settings.topic(Topic.RESCORED)
    consumer.assign([TopicPartition(topic, p, 0) for p in consumer.list_topics(topic).topics[topic].partitions])
    stored = 0
    while stored < expected:
        batch = [m for m in consumer.consume(1000, 2.0) if not m.error()]
        if not batch:
            break
        codec = shared_codec(settings)  # as the worker's sink reads it (sealed, if topics.yaml says so)
        write_new_scores(client, writer, [codec.decode(topic, "aica.CallScore", m.value()) for m in batch])
        stored += len(batch)
    consumer.close()
    client.close()
    return stored


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30, help="the topic holds calls of this many days")
    parser.add_argument("--range-days", type=float, default=30, help="rescore the last N days")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalBroker(Path(tmp) / "kafka", port=29092, controller_port=29093).start(timeout=120)
        try:
            settings = Settings(data_dir=Path(tmp) / "var", kafka_bootstrap=broker.bootstrap,
                                topic_partitions=2, secret_key="")
            ensure_topics(settings)
            now = int(time.time() * 1000)
            calls = redacted_calls(args.calls, now, args.days)
            fill_topic(settings, calls)
            in_range = sum(1 for ts, _ in calls if ts >= now - args.range_days * DAY_MS)
            sample = [r for _, r in calls[: min(len(calls), 500)]]
            base = await baseline_rate(settings, sample)

            rescorer = Rescorer(settings, RescoreRequest(Selection(), since_ms=int(now - args.range_days * DAY_MS)))
            started = time.perf_counter()
            try:
                report = await rescorer.run()
            finally:
                rescorer.close()
            stored = store_rescored(settings, report.rescored)
            seconds = time.perf_counter() - started
        finally:
            broker.stop()
    rate = stored / seconds if seconds else 0.0
    print(f"topic: {len(calls)} calls over {args.days} days; range: last {args.range_days:g} days = {in_range} calls")
    print(f"replay read {report.read} messages of {len(calls)} (offsets-for-times), rescored {report.rescored}, "
          f"stored {stored} rows in ClickHouse")
    print(f"baseline (analysis + scoring in a plain loop): {base:.0f} calls/s")
    print(f"rescore end to end (read, analyse, score, publish, write to ClickHouse): {rate:.0f} calls/s "
          f"= {rate / base:.2f}x the baseline")


if __name__ == "__main__":
    asyncio.run(main())
