"""Scale-out: two ASR worker processes in one consumer group share calls.ingested's partitions,
and every call is transcribed exactly once (counted from the output topic and from each worker's
own metrics)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from confluent_kafka import Consumer, Producer
from cryptography.fernet import Fernet
from prometheus_client.parser import text_string_to_metric_families

from aica.embedded import settings_env
from blobs.store import LocalBlobStore
from schemas import registry
from streams.kafka_clients import kafka_config
from streams.topics import Topic, ensure_topics
from tests.conftest import REPO, free_port
from tests.integration.consumer_groups import wait_for_members

CALLS = 8
PARTITIONS = 4
MEMBER = "scaleout-portal"


def speak(text: str, out: Path) -> bytes:
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", str(out), "remix", "1"], check=True, capture_output=True)
    return out.read_bytes()


def ingested_record(blobs: LocalBlobStore, n: int, audio: bytes) -> dict:
    call_id = f"{MEMBER}.{1000 + n}"
    return {
        "context": {"call_id": call_id, "member_id": MEMBER, "domain": "scaleout.example", "activity_id": 1000 + n,
                    "project": "support-en", "language": "en", "direction": "incoming", "bindings": [],
                    "versions": {}},
        "audio": {"uri": blobs.keep(MEMBER, call_id, "call.wav", audio), "sha256": "-",
                  "size_bytes": len(audio), "content_type": "audio/wav", "file_name": "call.wav"},
        "ingested_at": int(time.time() * 1000),
    }


def spawn_asr_worker(settings, name: str) -> tuple[subprocess.Popen, int]:
    """`aica worker` running only the transcribe stage, with its own data dir and metrics port."""
    port = free_port()
    own = settings.model_copy(update={"data_dir": Path(settings.data_dir) / name, "worker_metrics_port": port})
    own.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_env(own), "AICA_WORKER_STAGES": "transcribe"}
    with open(own.data_dir / "worker.log", "ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "aica.cli", "worker"], env=env, cwd=REPO,
                                  stdout=log, stderr=subprocess.STDOUT)
    return worker, port


async def transcribed_count(port: int) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
               if s.name == "aica_stage_seconds_count" and s.labels.get("stage") == "transcribe")


def read_transcripts(settings, expected: int, timeout_s: float) -> list[dict]:
    """Every record on calls.transcribed, waiting until `expected` arrived, then a little longer
    so that a duplicate would show."""
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{
        "group.id": f"reader-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest"}))
    consumer.subscribe([settings.topic(Topic.TRANSCRIBED)])
    records, deadline, settle = [], time.monotonic() + timeout_s, None
    try:
        while time.monotonic() < deadline and (settle is None or time.monotonic() < settle):
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error():
                records.append(registry.decode("aica.Transcript", msg.value()))
            if len(records) >= expected and settle is None:
                settle = time.monotonic() + 5
    finally:
        consumer.close()
    return records


@pytest.mark.models
async def test_two_asr_workers_share_the_partitions_and_transcribe_each_call_once(pipeline_settings):
    settings = pipeline_settings.model_copy(update={
        "topic_partitions": PARTITIONS, "secret_key": Fernet.generate_key().decode(),
        "blob_dir": Path(pipeline_settings.data_dir) / "blobs"})
    await asyncio.to_thread(ensure_topics, settings)
    workers = [spawn_asr_worker(settings, name) for name in ("asr1", "asr2")]
    try:
        members = await wait_for_members(settings, 2, timeout_s=300)
        ingested = settings.topic(Topic.INGESTED)
        owned = [m.get(ingested, set()) for m in members]
        assert all(owned) and not owned[0] & owned[1] and owned[0] | owned[1] == set(range(PARTITIONS)), members

        blobs = LocalBlobStore(settings.resolved_blob_dir)
        audio = speak("Thank you for calling, your refund was issued today.", Path(settings.data_dir) / "call.wav")
        producer = Producer(kafka_config(settings.kafka_bootstrap))
        wanted = set()
        for n in range(CALLS):  # round robin over the partitions: both workers get calls
            record = ingested_record(blobs, n, audio)
            wanted.add(record["context"]["call_id"])
            producer.produce(ingested, key=record["context"]["call_id"].encode(),
                             value=registry.encode("aica.CallIngested", record), partition=n % PARTITIONS)
        producer.flush(30)

        transcripts = await asyncio.to_thread(read_transcripts, settings, CALLS, 600)
        assert all(w.poll() is None for w, _ in workers), "a worker exited; see its worker.log"
        per_call = Counter(t["context"]["call_id"] for t in transcripts)
        assert set(per_call) == wanted and set(per_call.values()) == {1}, per_call
        assert all("refund" in " ".join(s["text"] for s in t["segments"]).lower() for t in transcripts)

        counts = [await transcribed_count(port) for _, port in workers]
        assert sum(counts) == CALLS and all(counts), counts  # each worker did its share, none twice
    finally:
        for worker, _ in workers:
            worker.terminate()
        for worker, _ in workers:
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
