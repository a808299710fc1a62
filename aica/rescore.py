"""`aica rescore`: history judged again under today's scorecards, side by side with the old
verdicts, without speech recognition.

Reads `calls.redacted.v1` (kept forever) in a time range through `streams.replay` (its own
consumer group, offsets-for-times, fixed end offsets), rescores each selected call with the live
analysis and scoring functions (`agents.rescore`) and publishes the results: to
`calls.rescored.v1`, which the worker's ClickHouse sink stores beside the old versions' rows, or
with --write-crm to `calls.scored.v1` (the CRM sink's limiter and ledger). The run is recorded on
`aica.rescore-runs.v1`: the same command resumes it, and running a finished run again does nothing.

One module (~250 lines) on purpose: planning, the run, its record and the dry run share one run's state."""
from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import Consumer, Message, Producer, TopicPartition

from agents.analyze import agent as analyze_agent
from agents.analyze.agent import Analyzer
from agents.rescore import Selection, rescore, rescore_many, rescored_output, scorecard_of
from aica.progress import CallRate
from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog
from control.portal_settings import KafkaPortalSettings
from control.portals import load_secret_box
from control.rescore_runs import RescoreRuns
from control.scorecards import ScorecardVersions, judge_with_history
from schemas import registry
from schemas.registry import epoch_ms
from streams.offsets import committed_offsets
from streams.replay import TopicReplay, plan_range
from streams.sealing import Shredded, shared_codec
from streams.settings import Settings
from streams.stage import now_ms
from streams.topics import Topic
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)
SAMPLE_FOR_ESTIMATE = 20
# The run's record is progress for humans (offsets are what resumes a run): written every few
# seconds and when the run ends; a killed process's counts lag by up to that much of its work.
RUN_RECORD_EVERY_S = 5.0


@dataclass(frozen=True)
class RescoreRequest:
    selection: Selection = Selection()
    since_ms: int | None = None
    until_ms: int | None = None
    write_crm: bool = False


@dataclass
class RescoreReport:
    run_id: str
    planned: int = 0
    read: int = 0
    rescored: int = 0
    skipped: int = 0
    shredded: int = 0  # sealed records whose portal's key is gone (clean uninstall): never rescored
    failed: int = 0
    portals: Counter = field(default_factory=Counter)
    state: str = "running"
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def run_id_for(request: RescoreRequest, scorecards: list[str]) -> str:
    """The same parameters and scorecard versions give the same run, so a repeat resumes it."""
    blob = json.dumps([request.selection.member_id, request.selection.project, request.since_ms,
                       request.until_ms, sorted(scorecards), request.write_crm])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Rescorer:
    def __init__(self, settings: Settings, request: RescoreRequest) -> None:
        self.settings, self.request = settings, request
        self.topic = settings.topic(Topic.REDACTED)
        self.codec = shared_codec(settings)  # calls.redacted.v1 is sealed per portal (streams.sealing)
        self.scorecard_versions = ScorecardVersions(settings).start()
        base = judge_with_history(load_catalog(settings), self.scorecard_versions)
        self.portal_settings = KafkaPortalSettings(settings, load_secret_box(settings), base).start()
        self.catalogs, self.base_catalog = PortalCatalogs(base, self.portal_settings), base
        self.analyzer = Analyzer(settings, self.catalogs)
        self.scorecards = sorted(sc.ref for sc in base.scorecards.values())
        self.run_id = run_id_for(request, self.scorecards)
        self.group = f"aica-rescore-{self.run_id}"
        self.batch_size = 2000  # one encoder call and one producer flush per batch
        self.runs = RescoreRuns(settings).start()

    def close(self) -> None:
        self.runs.stop()
        self.portal_settings.stop()
        self.scorecard_versions.stop()

    # --- planning ----------------------------------------------------------------------------
    def plan(self) -> tuple[dict[int, int], dict[int, int], dict | None]:
        """(start, end, stored run): a known run keeps the end offsets it was planned with."""
        stored = self.runs.get(self.run_id)
        start, end = plan_range(self.settings, self.topic, self.request.since_ms, self.request.until_ms)
        if stored is not None and stored["end_offsets"]:
            end = {int(p): int(o) for p, o in stored["end_offsets"].items()}
        return start, end, stored

    def _run_record(self, end: dict[int, int], report: RescoreReport, started_at: int) -> dict:
        sel = self.request.selection
        return {"run_id": self.run_id, "member_id": sel.member_id, "project": sel.project,
                "since": self.request.since_ms, "until": self.request.until_ms, "scorecards": self.scorecards,
                "end_offsets": {str(p): o for p, o in end.items()}, "write_crm": self.request.write_crm,
                "state": report.state, "calls_read": report.read, "calls_rescored": report.rescored,
                "started_at": started_at, "updated_at": now_ms()}

    async def dry_run(self) -> RescoreReport:
        """How many calls the selection takes from the range, which portals, and how long it would
        take (a sample is analysed; nothing is published or committed)."""
        start, end, _ = self.plan()
        report = RescoreReport(self.run_id)
        sample: list[Message] = []
        for msg in read_range(self.settings, self.topic, start, end):
            report.read += 1
            try:
                ctx = self.codec.decode(self.topic, "aica.RedactedTranscript", msg.value())["context"]
            except Shredded:
                report.shredded += 1
                continue
            except registry.SchemaError:
                report.failed += 1
                continue
            if self.request.selection.wants(ctx):
                report.planned += 1
                report.portals[ctx["member_id"]] += 1
                if len(sample) < SAMPLE_FOR_ESTIMATE:
                    sample.append(msg)
        timing = RescoreReport(self.run_id)
        began = time.perf_counter()
        for msg in sample:
            await self._rescore_message(msg, timing)
        report.seconds = time.perf_counter() - began
        report.rescored = timing.rescored  # of the sample
        return report

    # --- the run -----------------------------------------------------------------------------
    async def run(self, stop: Callable[[], bool] = lambda: False, progress_stream=sys.stderr) -> RescoreReport:
        start, end, stored = self.plan()
        report = RescoreReport(self.run_id, planned=sum(end[p] - start[p] for p in start))
        if stored is not None and stored["state"] == "done":
            report.state = "done"
            return report  # idempotent: the same run twice changes nothing
        started_at = epoch_ms(stored["started_at"]) if stored else now_ms()
        if stored is not None:
            report.read, report.rescored = int(stored["calls_read"]), int(stored["calls_rescored"])
        self.runs.put_sync(self._run_record(end, report, started_at))
        if self.analyzer.llm is None:
            # Before joining the group: a member that joins and then spends seconds on the examples
            # holds up the rebalance when the next process joins, and its first batch is re-read.
            analyze_agent.warm_up(self.base_catalog, self.settings, only=self.request.selection.project)
        replay = TopicReplay(self.settings, self.topic, self.group, start, end, self.batch_size)
        producer = Producer(kafka_config(self.settings.kafka_bootstrap, **{"acks": "all",
                             "enable.idempotence": True, "partitioner": "murmur2_random"}))
        progress = CallRate(max(report.planned - report.read, 0), progress_stream)
        began = recorded = time.perf_counter()
        sent: list[tuple[list[Message], Deliveries]] = []  # published, acks not yet awaited

        def settle() -> None:  # the batch's offsets are committed only once its outputs are acked
            while sent:
                batch, deliveries = sent.pop()
                deliveries.wait(producer)
                replay.commit(batch)
                report.read += len(batch)
                progress.update(len(batch))
        replay.before_revoke = settle  # a rebalance takes partitions: settle first
        try:
            for batch in replay.batches(stop):
                outputs = await self._rescore_batch(batch, report)
                settle()  # the previous batch's outputs travelled while this one was analysed
                sent.append((batch, publish(producer, outputs, self.codec)))
                if time.perf_counter() - recorded >= RUN_RECORD_EVERY_S:
                    self.runs.put_sync(self._run_record(end, report, started_at))
                    recorded = time.perf_counter()
            settle()
        finally:
            progress.close()
            replay.close()
            report.seconds = time.perf_counter() - began
            self.runs.put_sync(self._run_record(end, report, started_at))  # also after Ctrl-C or an error
        committed = committed_offsets(self.settings, self.group, self.topic, list(end))
        if all(start[p] >= end[p] or committed.get(p, -1) >= end[p] for p in end):
            report.state = "done"  # every partition read to its end, by whichever process
            self.runs.put_sync(self._run_record(end, report, started_at))
        return report

    def _selected(self, msg: Message, report: RescoreReport) -> dict | None:
        """The message's transcript when the run rescores it (counted as failed or skipped if not)."""
        try:
            redacted = self.codec.decode(self.topic, "aica.RedactedTranscript", msg.value())
        except Shredded:
            report.shredded += 1
            return None
        except registry.SchemaError as exc:
            report.failed += 1
            log.warning("rescore: undecodable record at %s/%s: %s", msg.partition(), msg.offset(), exc)
            return None
        ctx = redacted["context"]
        if not self.request.selection.wants(ctx):
            return None
        if scorecard_of(self.catalogs, ctx) is None:
            report.skipped += 1
            return None
        return redacted

    async def _rescore_batch(self, batch: list[Message], report: RescoreReport) -> list:
        """The batch's calls analysed together (rescore_many); if that fails, call by call, so one
        bad call is counted and logged without failing the others."""
        picked = [(msg, redacted) for msg in batch if (redacted := self._selected(msg, report)) is not None]
        try:
            scores = await rescore_many([r for _, r in picked], self.analyzer, [m.timestamp()[1] for m, _ in picked])
        except Exception:  # noqa: BLE001 - isolate the failing call below
            return [out for msg, _ in picked if (out := await self._rescore_message(msg, report))]
        for score in scores:
            report.rescored += 1
            report.portals[score["context"]["member_id"]] += 1
        return [rescored_output(self.settings, score, self.request.write_crm) for score in scores]

    async def _rescore_message(self, msg: Message, report: RescoreReport):
        redacted = self._selected(msg, report)
        if redacted is None:
            return None
        ctx = redacted["context"]
        try:
            score = await rescore(redacted, self.analyzer, msg.timestamp()[1])
        except Exception as exc:  # noqa: BLE001 - one call's failure must not stop the run
            report.failed += 1
            log.warning("rescore: call=%s failed: %s", ctx["call_id"], type(exc).__name__)
            return None
        report.rescored += 1
        report.portals[ctx["member_id"]] += 1
        return rescored_output(self.settings, score, self.request.write_crm)



class Deliveries:
    """The broker's answers for one batch of produced records."""

    def __init__(self, count: int) -> None:
        self.pending, self.errors = count, []

    def __call__(self, err, _msg) -> None:  # librdkafka's delivery callback (served by poll)
        self.pending -= 1
        if err:
            self.errors.append(err)

    def wait(self, producer: Producer, timeout_s: float = 60.0) -> None:
        # Only this batch is in flight when it is awaited (the next one is produced after), so
        # flushing the producer waits for exactly its acks.
        producer.flush(timeout_s)
        if self.pending > 0 or self.errors:
            raise RuntimeError(f"rescored calls not acked by the broker: {self.errors[:1] or 'timeout'}")


def publish(producer: Producer, outputs: list, codec) -> Deliveries:
    """Sent through the codec (an output topic marked `sealed` would be sealed here as in the
    stages); the acks arrive in the background: Deliveries.wait."""
    deliveries = Deliveries(len(outputs))
    for out in outputs:
        producer.produce(out.topic, key=out.key, value=codec.encode(out.topic, out.record_name, out.record),
                         on_delivery=deliveries)
    producer.poll(0)
    return deliveries


def read_range(settings: Settings, topic: str, start: dict[int, int], end: dict[int, int]):
    """Every message in [start, end) of every partition; commits nothing (dry runs)."""
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "aica-rescore-dry-run",
                         "enable.auto.commit": False}))
    todo = {p for p in start if end[p] > start[p]}
    try:
        consumer.assign([TopicPartition(topic, p, start[p]) for p in todo])
        while todo:
            for msg in consumer.consume(500, 1.0):
                if msg.error() or msg.partition() not in todo:
                    continue
                if msg.offset() >= end[msg.partition()]:
                    todo.discard(msg.partition())
                    continue
                yield msg
                if msg.offset() + 1 >= end[msg.partition()]:
                    todo.discard(msg.partition())
    finally:
        consumer.close()
