"""One process owns a portal's REST traffic (Faust's co-partitioning, murmur2 keys), and per-portal
lanes keep a slow portal from holding the others."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
import pytest
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata
from aiokafka.partitioner import DefaultPartitioner
from faust.assignor.client_assignment import ClientAssignment, ClientMetadata
from faust.assignor.partition_assignor import PartitionAssignor

from bitrix.errors import PortalUnavailable, RateLimited
from schemas import registry
from streams.partitioning import PortalLanes, partition_for, portal_patience, warn_if_rest_stages_split
from streams.stage import Consumed, Retry, StageRunner

EVENTS, SCORED = "b24.events.v1", "calls.scored.v1"
ALL_TOPICS = [EVENTS, SCORED, "calls.ingested.v1", "calls.analyzed.v1", "aica.retry.t0.v1"]


class Cluster:
    def __init__(self, partitions: dict[str, int]) -> None:
        self.partitions = partitions

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.partitions[topic]))


def assign(subscriptions: dict[str, list[str]], partitions: int = 4,
           previous: dict[str, dict[str, list[int]]] | None = None) -> dict[str, dict[str, list[int]]]:
    """Faust's own assignor, as the group leader runs it."""
    assignor = PartitionAssignor(faust.App("t", broker="kafka://127.0.0.1:1", autodiscover=False))
    cluster = Cluster({t: partitions for topics in subscriptions.values() for t in topics})
    members = {}
    for member, topics in subscriptions.items():
        before = ClientAssignment(actives=(previous or {}).get(member, {}), standbys={})
        meta = ClientMetadata(assignment=before, url=f"http://{member}", changelog_distribution={})
        members[member] = ConsumerProtocolMemberMetadata(0, topics, meta.dumps())
    result = assignor._perform_assignment(cluster, members)
    return {member: dict(a.assignment) for member, a in result.items()}


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_faust_gives_both_rest_topics_partition_p_to_one_worker(workers):
    result = assign({f"w{i}": ALL_TOPICS for i in range(workers)})
    for topics in result.values():
        assert topics[EVENTS] == topics[SCORED]
    assert sorted(p for t in result.values() for p in t[EVENTS]) == [0, 1, 2, 3]


def test_co_partitioning_survives_a_sticky_rebalance():
    previous = {"w0": {EVENTS: [0, 1, 2, 3], SCORED: [0, 1, 2, 3]}}
    result = assign({"w0": ALL_TOPICS, "w1": ALL_TOPICS}, previous=previous)
    assert all(t[EVENTS] == t[SCORED] and t[EVENTS] for t in result.values())


def test_murmur2_partition_matches_faust_producers():
    partitioner = DefaultPartitioner()
    for key in (b"a223c6b3710f85df22e9377d6c4f7553", b"m1", b"0123456789abcdef0123456789abcdef"):
        assert partition_for(key, 4) == partitioner(key, [0, 1, 2, 3], [0, 1, 2, 3])


def test_split_rest_stages_are_reported():
    assert warn_if_rest_stages_split(["ingest", "transcribe"])
    assert not warn_if_rest_stages_split(["ingest", "crm", "score"])
    assert not warn_if_rest_stages_split(["transcribe"])


async def test_portal_side_failures_wait_longer_on_the_tiers():
    async def rate_limited(record, message):
        raise RateLimited("QUERY_LIMIT_EXCEEDED", "", 503)

    async def down(record, message):
        raise PortalUnavailable("INTERNAL_SERVER_ERROR", "", 500)

    for handle in (rate_limited, down):
        with pytest.raises(Retry) as caught:
            await portal_patience(handle, 20)({}, None)
        assert caught.value.max_attempts == 20


class FakeRunner:
    """StageRunner's surface that the lanes use; `process` awaits the handler like the real one."""

    def __init__(self) -> None:
        self.stage = "crm"
        self.settings = SimpleNamespace(retry_delays_s=[5.0, 60.0], topic=lambda n: n, topic_prefix="")
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.failed: list[bytes] = []

    async def process(self, message: Consumed, handle) -> None:
        try:
            await handle({}, message)
        except Exception:  # noqa: BLE001 - the real runner routes every failure to a topic
            self.failed.append(message.value)

    async def send(self, topic, key, value, headers=None) -> None:
        self.sent.append((topic, key, value))

    hold = StageRunner.hold  # the real envelope, through our send
    detached = StageRunner.detached


def message(portal: str, n: int) -> Consumed:
    return Consumed("t", portal.encode(), f"{portal}{n}".encode())


async def test_a_stuck_portal_does_not_hold_another():
    stuck, handled, acked = asyncio.Event(), [], []

    async def handle(record, message):
        if message.key == b"A":
            await stuck.wait()
        handled.append(message.value)

    async def ack(event):
        acked.append(event)

    lanes = PortalLanes(FakeRunner(), handle, max_waiting=10, max_buffered=100)
    for n in range(3):
        for portal in ("A", "B"):
            await lanes.submit(message(portal, n), f"{portal}{n}", ack)
    for _ in range(20):
        await asyncio.sleep(0)
    assert handled == [b"B0", b"B1", b"B2"] and acked == ["B0", "B1", "B2"]  # acked out of order
    stuck.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert handled[3:] == [b"A0", b"A1", b"A2"]  # in order within the portal
    await lanes.stop()


async def test_a_full_lane_defers_to_the_first_tier_without_counting_an_attempt():
    stuck, acked = asyncio.Event(), []
    runner = FakeRunner()

    async def handle(record, message):
        await stuck.wait()

    async def ack(event):
        acked.append(event)

    lanes = PortalLanes(runner, handle, max_waiting=2, max_buffered=100)
    for n in range(3):
        await lanes.submit(Consumed("t", b"A", b"v%d" % n, attempt=1), n, ack)
    assert acked == [2] and len(runner.sent) == 1
    topic, key, value = runner.sent[0]
    envelope = registry.decode("aica.RetryEnvelope", value)
    assert (topic, key, envelope["attempt"], envelope["value"]) == ("aica.retry.t0.v1", b"A", 1, b"v2")
    stuck.set()
    await lanes.stop()


async def test_after_a_portal_side_failure_its_next_messages_skip_the_request():
    tried, acked, runner = [], [], FakeRunner()

    async def handle(record, message):
        tried.append(message.value)
        if message.key == b"A":
            raise PortalUnavailable("INTERNAL_SERVER_ERROR", "", 500)

    async def ack(event):
        acked.append(event)

    lanes = PortalLanes(runner, handle, max_waiting=10, max_buffered=100)
    for n in range(3):
        for portal in ("A", "B"):
            await lanes.submit(message(portal, n), f"{portal}{n}", ack)
    for _ in range(20):
        await asyncio.sleep(0)
    assert tried == [b"A0", b"B0", b"B1", b"B2"]  # one probe of A, every B
    assert runner.failed == [b"A0"] and sorted(acked) == ["A0", "A1", "A2", "B0", "B1", "B2"]
    deferred = [registry.decode("aica.RetryEnvelope", v) for _, _, v in runner.sent]
    assert [(t, d["value"], d["attempt"]) for (t, _, _), d in zip(runner.sent, deferred)] == [
        ("aica.retry.t1.v1", b"A1", 0), ("aica.retry.t1.v1", b"A2", 0)]  # last tier, no attempt
    await lanes.stop()


async def test_a_dead_letter_flood_in_a_lane_crashes_the_app_with_the_input_unacked(settings_factory):
    from streams.dlq_limit import DeadLetterFlood
    from streams.spec import ANY_TOPIC, StageSpec
    from streams.stage import Reject

    class Runner(StageRunner):
        sent: list = []

        async def send(self, topic, key, value, headers=None):
            self.sent.append(topic)

    spec = StageSpec("crm", "sinks.crm_writeback", {SCORED: "aica.CrmWebhookEvent"}, writes=(ANY_TOPIC,))
    runner = Runner(faust.App("t-lanes", broker="kafka://127.0.0.1:1"), settings_factory(dlq_max_consecutive=2,
                                                                                          dlq_max_ratio=0), spec)
    crashes = []

    async def crash(reason):
        crashes.append(reason)
    runner.app.crash = crash

    async def broken(record, message):
        raise Reject("every call fails")

    value = registry.encode("aica.CrmWebhookEvent", {
        "event_id": "e", "event": "ONCRMACTIVITYADD", "member_id": "m1", "domain": "d", "entity_id": "7",
        "ts": 1, "received_at": 0, "source": "bitrix24"})
    events = [SimpleNamespace(message=SimpleNamespace(topic=SCORED), key=b"m1", value=value, headers={})
              for _ in range(4)]
    acked = []

    class Stream:
        enable_acks = True

        async def events(self):
            for event in events:
                yield event
            await asyncio.sleep(5)  # a live stream waits for more

        async def ack(self, event):
            acked.append(event)

    lanes = PortalLanes(runner, broken, max_waiting=10, max_buffered=100)
    with pytest.raises(DeadLetterFlood):
        await asyncio.wait_for(lanes.run(Stream()), 3)
    assert acked == events[:1] and runner.sent == ["aica.deadletter.v1"]
    assert len(crashes) == 1 and isinstance(crashes[0], DeadLetterFlood)
