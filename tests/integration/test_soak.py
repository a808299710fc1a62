"""Soak with faults (issue 10): AICA_SOAK_CALLS calls (default 200, which fits CI) through the real pipeline
(sandbox portal -> gateway -> ingest -> transcribe -> redact -> analyze -> score -> CRM sink and
ClickHouse sink) on its own broker, while the worker is SIGKILLed twice and the broker is stopped
and started again once. Every call must end in the sandbox CRM exactly once (one write per contact
and per deal), in ClickHouse exactly once, with no dead letter and the gateway's spool drained.

Kept cheap enough for CI: a few short 8 kHz clips (each call is still its own activity, contact
and deal), tiny.en, and the built-in scorecard judged by its rules only (its examples removed, so
the embedding engine is not loaded). docs/faults-and-load.md has the figures."""
from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import yaml
from confluent_kafka import Consumer, TopicPartition
from prometheus_client import REGISTRY

from aica.embedded import EmbeddedStack
from aica.samples import Sample, Turn, render_sample
from aica.worker import ALL_STAGES
from catalog.projects import DEFAULT_PROJECTS_FILE
from sandbox.state import LeakyBucket
from schemas import registry
from streams.kafka_clients import kafka_config
from streams.localbroker import LocalBroker
from streams.offsets import group_lag
from streams.settings import Settings
from streams.topics import Topic
from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.models, pytest.mark.soak]

# 200 fit CI (about 1.9 CPU-s a call: docs/faults-and-load.md); 1,000 and more as a benchmark.
CALLS = int(os.environ.get("AICA_SOAK_CALLS", "200"))
# Calls placed and not yet in the CRM, at most (and a burst more while the broker is down).
IN_FLIGHT = int(os.environ.get("AICA_SOAK_IN_FLIGHT", "24"))
LINE = "74951234567"  # support-en
OUTAGE_BURST = 10
STAGES = ",".join(s for s in ALL_STAGES if s != "dashboard")
AGENT, CLIENT = "en-us", "en+Annie"


def clip(n: int, *turns: tuple[str, str]) -> Sample:
    return Sample(id=f"soak{n}", title=f"soak clip {n}", line=LINE, direction="incoming", stereo=False,
                  turns=tuple(Turn(s, t) for s, t in turns), planted_pii=(), agent_voice=AGENT,
                  client_voice=CLIENT)


CLIPS = (
    clip(1, ("agent", "Thanks for calling Northwind Energy, this is Anna speaking."),
         ("client", "Hi, my bill looks too high this month.")),
    clip(2, ("agent", "Northwind Energy, my name is Tom, how can I help?"),
         ("client", "I want to cancel my contract.")),
    clip(3, ("client", "Hello, is that the billing team?"), ("agent", "Yes, what is your account number?")),
    clip(4, ("agent", "Is there anything else I can help you with today?"),
         ("client", "No, thank you, goodbye.")),
    clip(5, ("agent", "I have issued a refund, you will see it in five days."), ("client", "Great, thanks.")),
)


def rules_only_projects(path: Path) -> Path:
    """The built-in support-en project and scorecard, judged by its regex rules alone."""
    data = yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())
    data["projects"] = {"support-en": data["projects"]["support-en"]}
    data["default_project"] = "support-en"
    card = data["scorecards"]["support-en"]
    for criterion in card["criteria"]:
        criterion.pop("examples", None)
    data["scorecards"] = {"support-en": card}
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.fixture
def soak_broker(tmp_path):
    """The soak's own broker: it is restarted mid-run, which other tests must not see."""
    broker = LocalBroker(tmp_path / "kafka", port=free_port(), controller_port=free_port())
    broker.start(timeout=120)
    yield broker
    broker.stop()


@dataclass
class Placed:
    activity_id: int
    contact_id: int
    deal_id: int


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    marks: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, what: str) -> None:
        at = time.monotonic() - self.started
        self.marks.append((at, what))
        print(f"[soak {at:6.1f}s] {what}", flush=True)


def written(state) -> Counter:
    return Counter((u["method"].split(".")[1], int(u["id"])) for u in state.updates)


def calls_done(state, placed: list[Placed]) -> int:
    counts = written(state)
    return sum(("contact", p.contact_id) in counts and ("deal", p.deal_id) in counts for p in placed)


class Placer:
    """Places calls, each its own contact, deal and activity with one of the clips as its
    recording (the portal sends ONCRMACTIVITYADD, attaches the recording, then sends
    ONCRMACTIVITYUPDATE), keeping about `window` calls in flight: the calls keep coming for the
    whole run, however fast this machine gets through them."""

    def __init__(self, stack, clips, n: int, window: int) -> None:
        self.stack, self.clips, self.n, self.window = stack, clips, n, window
        self.placed: list[Placed] = []

    def in_flight(self) -> int:
        return len(self.placed) - calls_done(self.stack.sandbox_state, self.placed)

    async def run(self) -> None:
        async with aiohttp.ClientSession(base_url=self.stack.sandbox_url) as http:
            async def post(path: str, body: dict) -> dict:
                async with http.post(path, json=body) as response:
                    response.raise_for_status()
                    return await response.json()
            for i in range(self.n):
                while self.in_flight() >= self.window:
                    await asyncio.sleep(0.2)
                path = self.clips[i % len(self.clips)]
                contact = await post("/_sandbox/contacts", {"NAME": f"Soak {i}"})
                deal = await post("/_sandbox/deals", {"TITLE": f"Soak deal {i}", "CONTACT_ID": contact["id"]})
                call = await post("/_sandbox/calls", {
                    "audio_path": str(path), "file_name": path.name, "line": LINE, "direction": "incoming",
                    "contact_id": contact["id"], "deal_id": deal["id"], "record_delay_s": 0.5,
                    "duration_s": 5})
                self.placed.append(Placed(int(call["activity_id"]), int(contact["id"]), int(deal["id"])))


async def until(condition, stack, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert stack.worker_alive(), f"the worker exited while waiting for {what}; see worker.log"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.5)


def topic_messages(settings: Settings, topic: str) -> list[bytes]:
    """Every message on the topic, from the start."""
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{
        "group.id": f"soak-reader-{time.time_ns()}", "enable.auto.commit": False}))
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        values, left = [], {p for p, end in ends.items() if end > 0}
        deadline = time.monotonic() + 60
        while left and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            values.append(message.value())
            if message.offset() + 1 >= ends[message.partition()]:
                left.discard(message.partition())
        return values
    finally:
        consumer.close()


async def wait_consumed(settings: Settings, topics: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for topic in topics:
        while await asyncio.to_thread(group_lag, settings, settings.consumer_group, settings.topic(topic)) > 0:
            assert time.monotonic() < deadline, f"{topic} not consumed"
            await asyncio.sleep(1.0)


def events_spooled() -> int:
    """The gateway's count (this process) of events it spooled because the broker did not ack."""
    return int(REGISTRY.get_sample_value("aica_events_accepted_total", {"delivery": "spooled"}) or 0)


def clickhouse_counts(settings: Settings, member_id: str) -> dict[str, int]:
    from warehouse.connection import connect
    client = connect(settings)
    try:
        def one(sql: str) -> int:
            return int(client.query(sql, parameters={"m": member_id}).result_rows[0][0])
        return {
            "final": one("SELECT count() FROM calls FINAL WHERE member_id = {m:String}"),
            "raw": one("SELECT count() FROM calls WHERE member_id = {m:String}"),
            "distinct": one("SELECT uniqExact(call_id) FROM calls WHERE member_id = {m:String}"),
            "dead_letters": one("SELECT count() FROM dead_letters FINAL WHERE member_id = {m:String}"),
        }
    finally:
        client.close()


@pytest.mark.timeout(max(900, 600 + 12 * CALLS))  # a hang guard; a busy machine is slow
async def test_soak_with_worker_kills_and_a_broker_restart(soak_broker, tmp_path):
    settings = Settings(
        data_dir=tmp_path / "var", kafka_bootstrap=soak_broker.bootstrap, topic_partitions=2,
        consumer_group="soak-worker", gateway_port=free_port(), worker_metrics_port=0,
        projects_file=rules_only_projects(tmp_path / "projects.yaml"),
        retry_delays_s=[1.0, 3.0, 10.0], clickhouse_batch_within_s=0.5, shutdown_grace_s=8.0,
        # The sandbox portal is given a bucket this soak does not exhaust (the product's limiter
        # matches it): 1,000 calls at the real 2 requests/s would take half an hour of waiting.
        rest_rate_per_s=50.0, rest_burst=200,
        # Below the portal's delivery timeout (sandbox.events, 10 s): an event that arrives while
        # the broker is down is spooled and answered 200 before the portal gives up on it.
        publish_timeout_s=3.0,
        # A SIGKILLed worker holds its partitions until its session lapses (Faust's default: 60 s).
        consumer_session_timeout_s=15.0,
    )
    # Calls must still be coming when the broker goes down, at 40 % in the CRM.
    assert CALLS >= 50, "AICA_SOAK_CALLS below 50 leaves no calls to place during the broker outage"
    timeline = Timeline()
    clips = [render_sample(c, tmp_path / "clips") for c in CLIPS]
    stack = EmbeddedStack(settings, manage_broker=False, worker_stages=STAGES)
    spooled_before = events_spooled()

    def spooled() -> int:
        return events_spooled() - spooled_before

    placer = Placer(stack, clips, CALLS, IN_FLIGHT)
    placed = placer.placed
    try:
        await stack.start()
        state = stack.sandbox_state
        state.bucket = LeakyBucket(burst=200, per_s=50.0)
        timeline.mark(f"stack up; placing {CALLS} calls, at most {IN_FLIGHT} in flight")
        placing = asyncio.create_task(placer.run())

        def progress() -> str:
            return f"{calls_done(state, placed)} calls done, {len(placed)} placed"

        # Fault 1: SIGKILL early, calls in every stage.
        await until(lambda: calls_done(state, placed) >= CALLS * 0.1, stack, 900, "10% of calls")
        timeline.mark(f"SIGKILL worker: {progress()}")
        assert await asyncio.to_thread(stack.stop_worker, True) == -9
        stack.start_worker()

        # Fault 2: the broker stopped and started again while calls keep coming (the gateway
        # spools them): a burst is placed meanwhile, whatever is in flight.
        await until(lambda: calls_done(state, placed) >= CALLS * 0.4, stack, 900, "40% of calls")
        timeline.mark(f"broker stop: {progress()}")
        await asyncio.to_thread(soak_broker.stop)
        placer.window += OUTAGE_BURST
        await until(lambda: spooled() >= OUTAGE_BURST, stack, 120, "events spooled while the broker is down")
        timeline.mark(f"broker start: {progress()}")
        await asyncio.to_thread(soak_broker.start, 120)
        placer.window -= OUTAGE_BURST
        timeline.mark(f"broker up again: {progress()}")

        # Fault 3: SIGKILL again, later, the moment the portal has taken a CRM write: the sink
        # has not marked it done in its ledger yet, so the restarted one must not write it again.
        await until(lambda: calls_done(state, placed) >= CALLS * 0.75, stack, 900, "75% of calls")
        writes_seen = len(state.updates)
        while len(state.updates) == writes_seen:
            assert stack.worker_alive(), "the worker exited; see worker.log"
            await asyncio.sleep(0.005)
        timeline.mark(f"SIGKILL worker just after a CRM write: {progress()}")
        assert await asyncio.to_thread(stack.stop_worker, True) == -9
        stack.start_worker()

        await until(lambda: placing.done() and calls_done(state, placed) >= CALLS, stack, 900,
                    "every call in the CRM")
        await placing
        timeline.mark("every call in the CRM")
        await wait_consumed(settings, [Topic.SCORED, Topic.EVENTS, Topic.DEADLETTER, Topic.REDACTED,
                                       Topic.CALL_STATUS], timeout_s=120)
        await asyncio.sleep(3)  # a redelivered batch would land now
        spool_bytes = await asyncio.to_thread(
            lambda: sum(p.stat().st_size for p in (settings.data_dir / "spool").iterdir()))
        dead = [registry.decode("aica.DeadLetter", v)
                for v in topic_messages(settings, settings.topic(Topic.DEADLETTER))]
        parked = topic_messages(settings, settings.topic(Topic.PARKED))
        await asyncio.to_thread(stack.stop_worker)
        counts = clickhouse_counts(settings, state.member_id)
    finally:
        await stack.stop()

    writes = written(state)
    wanted = {("contact", p.contact_id) for p in placed} | {("deal", p.deal_id) for p in placed}
    duplicates = sum(n - 1 for n in writes.values() if n > 1)
    lost = len(wanted - set(writes))
    wall = time.monotonic() - timeline.started
    print(f"soak: calls={len(placed)} kills=2 broker_restarts=1 crm_writes={sum(writes.values())} "
          f"duplicates={duplicates} lost={lost} clickhouse_final={counts['final']} raw={counts['raw']} "
          f"distinct={counts['distinct']} dead_letters={len(dead)} parked={len(parked)} "
          f"events_spooled={spooled()} spool_bytes_left={spool_bytes} wall={wall:.0f}s", flush=True)
    for at, what in timeline.marks:
        print(f"  {at:6.1f}s {what}")
    assert len(placed) == CALLS
    assert set(writes) == wanted and duplicates == 0, sorted((k, n) for k, n in writes.items() if n > 1)[:10]
    # A redelivered batch of scores is skipped by the sink; a call scored twice upstream (its
    # output re-sent after a crash, with a new scored_at) is a second raw row FINAL merges.
    assert counts["final"] == CALLS and counts["distinct"] == CALLS and counts["raw"] >= CALLS
    assert not dead, [(d["stage"], d["reason"]) for d in dead[:10]]
    assert counts["dead_letters"] == 0 and not parked
    assert spool_bytes == 0
