"""Rescore throughput: redacted calls in the topic -> analysis -> scoring -> ClickHouse, vs the
same analysis and scoring functions called in a plain loop, in the same run.

- Fills `calls.redacted.v1` on a local broker with N calls spread over `--days` days (realistic
  transcripts of the sample calls, personal data already replaced by placeholders). The sample
  calls repeat, like scripted lines do; `--distinct 0.1` gives a tenth of the calls sentences no
  other call has (a number in each), which the encoder must embed: its cost is the floor.
- Baseline: `agents.rescore.rescore_many` (the analysis and scoring the replay runs) on the
  in-range records in batches of the replay's size, in a plain loop: no Kafka, no ClickHouse.
- Rescore: `--processes` processes run `aica.rescore.Rescorer` over the last `--range-days`
  (offsets-for-times; one consumer group, so they share the partitions) while another process
  writes `calls.rescored.v1` to an in-process ClickHouse with the sink's writer (as the worker's
  ClickHouse sink does); timed end to end until the last row is written. Prints how many messages
  the replay read out of the whole topic (it must read only the range). Both start from a cold
  sentence cache; the scorecards' example vectors are on disk (data_dir/cache), as the worker's
  start leaves them.

    .venv/bin/python -m bench.rescore_throughput --calls 100000 --days 30 --range-days 30 --processes 2
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import socket
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as aica/__init__.py; numpy loads below

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

from agents.analyze.agent import Analyzer, warm_up  # noqa: E402
from agents.analyze.embeddings import forget_sentences  # noqa: E402
from agents.rescore import Selection, rescore_many  # noqa: E402
from aica.rescore import Rescorer, RescoreRequest  # noqa: E402
from aica.samples import load_samples  # noqa: E402
from catalog.projects import load_catalog  # noqa: E402
from schemas import registry  # noqa: E402
from streams.gc_pause import gc_paused  # noqa: E402
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


def numbered(text: str, n: int) -> str:
    """Every sentence of text with the number n in it: sentences no other call has."""
    return " ".join(f"{s[:-1]} {n}{s[-1]}" if s[-1:] in ".?!" else f"{s} {n}" for s in re.split(r"(?<=[.!?])\s+", text) if s)


def redacted_calls(n: int, now_ms: int, days: int, distinct: float = 0.0) -> list[tuple[int, dict]]:
    """(timestamp, aica.RedactedTranscript) for n calls, evenly spread over `days`, newest last;
    every 1/distinct-th call has sentences of its own."""
    samples, out = load_samples(), []
    every = round(1 / distinct) if distinct else 0
    for i in range(n):
        sample = samples[i % len(samples)]
        own = bool(every) and i % every == 0
        segments = [{"start": 5.0 * k, "end": 5.0 * k + 4.5, "speaker": t.speaker if sample.stereo else "unknown",
                     "text": numbered(text, i) if own else text, "words": []}
                    for k, t in enumerate(sample.turns) if (text := placeholders(t.text, sample.planted_pii))]
        ctx = {"call_id": f"benchportal.{i}", "member_id": "benchportal", "domain": "bench.example",
               "activity_id": i, "project": "support-en", "language": "en", "line": None, "direction": "incoming",
               "responsible_id": 1, "started_at": None, "duration_s": 5.0 * len(segments),
               "bindings": [{"entity_type": "contact", "entity_id": i}], "versions": {}}
        out.append((now_ms - days * DAY_MS + (i * days * DAY_MS) // max(n, 1),
                    {"context": ctx, "audio_uri": f"blob://benchportal/{i}/recording.wav", "language": "en",
                     "audio_duration_s": ctx["duration_s"], "channels": 2 if sample.stereo else 1,
                     "segments": segments, "entities": [], "redacted_at": now_ms}))
    return out


def free_port() -> int:
    """A port the OS picks (other stacks run on the same machine)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fill_topic(settings: Settings, calls: list[tuple[int, dict]]) -> None:
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{
        "linger.ms": 50, "partitioner": "murmur2_random", "queue.buffering.max.messages": 200_000}))
    for ts, record in calls:
        producer.produce(settings.topic(Topic.REDACTED), key=record["context"]["call_id"].encode(),
                         value=registry.encode("aica.RedactedTranscript", record), timestamp=ts)
        producer.poll(0)
    producer.flush(120)


async def baseline(settings: Settings, records: list[dict], batch: int, keep_examples: bool = True) -> tuple[float, float]:
    """(calls per second, CPU ms per call) of the analysis and scoring in a plain loop."""
    catalog = load_catalog(settings)
    analyzer = Analyzer(settings, catalog)
    if keep_examples:
        # As the worker's start does: examples embedded and kept in data_dir/cache, where the rescore
        # processes then find them (a worker has always run on a portal's data before a rescore).
        warm_up(catalog, settings)
    await rescore_many(records[:1], analyzer, [0])  # the model loaded
    forget_sentences()
    wall, cpu = time.perf_counter(), time.process_time()
    for at in range(0, len(records), batch):
        await rescore_many(records[at:at + batch], analyzer, [0] * len(records[at:at + batch]))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(records) / wall, 1000 * cpu / len(records)


def encoder_cost(records: list[dict], n: int = 200) -> tuple[float, float]:
    """(CPU ms per sentence the encoder embeds, sentences per call): the floor for calls whose
    sentences no earlier call had. Sentences made unique with a number, embedded in one batch."""
    from agents.analyze.embeddings import CallText, embed
    from agents.analyze.transcript import turns
    texts = [s.text for r in records[:50] for s in CallText(turns(r)).sentences]
    per_call = len(texts) / max(len(records[:50]), 1)
    unique = [numbered(t, 900_000 + i) for i, t in enumerate((texts * (n // max(len(texts), 1) + 1))[:n])]
    embed(unique[:4])
    cpu = time.process_time()
    embed(unique)
    return 1000 * (time.process_time() - cpu) / n, per_call


def store_rescored(settings: Settings, expected: int, batch: int = 5000) -> tuple[int, float]:
    """Read calls.rescored.v1 and write it with the ClickHouse sink's writer (as the worker does);
    (rows stored, CPU seconds). Waits up to 10 minutes for the first row."""
    client = connect(settings)
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{
        "group.id": "bench-store", "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    topic = settings.topic(Topic.RESCORED)
    consumer.assign([TopicPartition(topic, p, 0) for p in consumer.list_topics(topic).topics[topic].partitions])
    codec = shared_codec(settings)  # as the worker's sink reads it (sealed, if topics.yaml says so)
    stored, cpu, idle_since = 0, time.process_time(), time.monotonic()
    while stored < expected and time.monotonic() - idle_since < (600 if not stored else 60):
        got = [m for m in consumer.consume(batch, 1.0) if not m.error()]
        if got:
            records = [codec.decode(topic, "aica.CallScore", m.value()) for m in got]
            gc_paused(write_new_scores)(client, writer, records)  # as the sink's store writes
            stored, idle_since = stored + len(got), time.monotonic()
    consumer.close()
    client.close()
    return stored, time.process_time() - cpu


def rescore_process(settings: Settings, since_ms: int) -> dict:
    """One `aica rescore` process; several of them share the run's partitions."""
    async def run() -> dict:
        rescorer = Rescorer(settings, RescoreRequest(Selection(), since_ms=since_ms))
        cpu = time.process_time()
        try:
            report = await rescorer.run(progress_stream=open(os.devnull, "w"))
        finally:
            rescorer.close()
        return {"read": report.read, "rescored": report.rescored, "cpu_s": time.process_time() - cpu}
    return asyncio.run(run())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30, help="the topic holds calls of this many days")
    parser.add_argument("--range-days", type=float, default=30, help="rescore the last N days")
    parser.add_argument("--distinct", type=float, default=0.0, help="share of calls with sentences of their own")
    parser.add_argument("--processes", type=int, default=2, help="rescore processes sharing the partitions")
    parser.add_argument("--baseline-calls", type=int, default=20_000, help="the loop runs on this many calls")
    parser.add_argument("--cold-examples", action="store_true",
                        help="no example vectors on disk: each rescore process embeds them (a data dir no worker ran on)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalBroker(Path(tmp) / "kafka", port=free_port(), controller_port=free_port()).start(timeout=120)
        try:
            settings = Settings(data_dir=Path(tmp) / "var", kafka_bootstrap=broker.bootstrap,
                                topic_partitions=4, secret_key="")
            ensure_topics(settings)
            now = int(time.time() * 1000)
            since = int(now - args.range_days * DAY_MS)
            calls = redacted_calls(args.calls, now, args.days, args.distinct)
            fill_topic(settings, calls)
            in_range = [r for ts, r in calls if ts >= since]
            base, base_cpu_ms = await baseline(settings, in_range[:args.baseline_calls], 2000,
                                               keep_examples=not args.cold_examples)
            sentence_ms, sentences_per_call = encoder_cost(in_range)

            spawn = multiprocessing.get_context("spawn")
            with spawn.Pool(args.processes + 1) as pool:
                started = time.perf_counter()
                store = pool.apply_async(store_rescored, (settings, len(in_range)))
                runs = [pool.apply_async(rescore_process, (settings, since)) for _ in range(args.processes)]
                reports = [r.get() for r in runs]
                stored, store_cpu = store.get()
                seconds = time.perf_counter() - started
        finally:
            broker.stop()
    rate = stored / seconds if seconds else 0.0
    read, rescored = sum(r["read"] for r in reports), sum(r["rescored"] for r in reports)
    cpu_ms = 1000 * (sum(r["cpu_s"] for r in reports) + store_cpu) / max(stored, 1)
    print(f"topic: {len(calls)} calls over {args.days} days ({args.distinct:.0%} with sentences of their own); "
          f"range: last {args.range_days:g} days = {len(in_range)} calls")
    print(f"replay read {read} messages of {len(calls)} (offsets-for-times), rescored {rescored} in "
          f"{args.processes} processes, stored {stored} rows in ClickHouse")
    print(f"baseline (analysis + scoring in a plain loop, {min(len(in_range), args.baseline_calls)} calls, "
          f"1 process): {base:.0f} calls/s, {base_cpu_ms:.2f} CPU ms per call")
    print(f"rescore end to end (read, analyse, score, publish, write to ClickHouse): {rate:.0f} calls/s "
          f"= {rate / base:.2f}x the baseline; {cpu_ms:.2f} CPU ms per call over all processes "
          f"(rescore {1000 * sum(r['cpu_s'] for r in reports) / max(stored, 1):.2f}, "
          f"ClickHouse writer {1000 * store_cpu / max(stored, 1):.2f})")
    print(f"encoder: {sentence_ms:.1f} CPU ms per sentence not seen before; {sentences_per_call:.1f} sentences per call: "
          f"a call none of whose sentences was seen costs {sentence_ms * sentences_per_call:.0f} CPU ms, "
          f"i.e. at most {2000 / (sentence_ms * sentences_per_call):.0f} such calls/s on 2 cores")


if __name__ == "__main__":
    asyncio.run(main())
