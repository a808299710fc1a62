"""Replaying one topic between two points in time, as a consumer group of its own, so the live
groups are never paused or re-ordered (stack-notes: `alter_consumer_group_offsets` fails while a
group has members, and a separate replay consumer does not disturb live processing).

- Where to start: the broker's offsets-for-times (`offsets_for_times`), not a scan from the
  beginning; where to stop: fixed once per run (`end_offsets`), so live traffic arriving during
  the run is not part of it.
- Several processes may run the same replay: they join one group and share the partitions.
- Resumable: offsets are committed only after a batch's outputs were acked, so Ctrl-C or a crash
  resumes where the last committed batch ended (at-least-once; the writes are idempotent)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, Message, TopicPartition

from streams.settings import Settings
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)
# A process joining a running replay waits for the group's members to rejoin, which each does
# only between batches: up to the consumer's max.poll.interval.ms (300 s by default), plus slack.
JOIN_TIMEOUT_S = 330.0
REBALANCE_ERRORS = {KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                    KafkaError.UNKNOWN_MEMBER_ID, KafkaError._ASSIGNMENT_LOST}


def _consumer(settings: Settings, group: str) -> Consumer:
    return Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": group,
                     "enable.auto.commit": False, "auto.offset.reset": "earliest",
                     "enable.partition.eof": False, "isolation.level": "read_committed"}))


def partitions_of(consumer: Consumer, topic: str, timeout_s: float = 10.0) -> list[int]:
    return sorted(consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions)


def offsets_at(consumer: Consumer, topic: str, at_ms: int | None, timeout_s: float = 10.0) -> dict[int, int]:
    """Per partition, the first offset whose message is at or after `at_ms` (the end when none is;
    the beginning when `at_ms` is None)."""
    partitions = partitions_of(consumer, topic, timeout_s)
    if at_ms is None:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout_s)[0] for p in partitions}
    found = consumer.offsets_for_times([TopicPartition(topic, p, at_ms) for p in partitions], timeout_s)
    out = {}
    for tp in found:
        if tp.offset < 0:  # no message that late: the partition's end
            tp.offset = consumer.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout_s)[1]
        out[tp.partition] = tp.offset
    return out


def plan_range(settings: Settings, topic: str, since_ms: int | None, until_ms: int | None,
               timeout_s: float = 10.0) -> tuple[dict[int, int], dict[int, int]]:
    """(start, end) offsets per partition for messages timestamped in [since, until); `until`
    None means the end of each partition now."""
    consumer = _consumer(settings, "aica-replay-planner")
    try:
        start = offsets_at(consumer, topic, since_ms, timeout_s)
        if until_ms is None:
            end = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout_s)[1] for p in start}
        else:
            end = offsets_at(consumer, topic, until_ms, timeout_s)
        return start, {p: max(end[p], start[p]) for p in start}
    finally:
        consumer.close()


class TopicReplay:
    """Batches of messages in [start, end) of the partitions this process is assigned."""

    def __init__(self, settings: Settings, topic: str, group: str, start: dict[int, int],
                 end: dict[int, int], batch_size: int = 500, poll_s: float = 1.0) -> None:
        self.settings, self.topic, self.group = settings, topic, group
        self.start, self.end = start, end
        self.batch_size, self.poll_s = batch_size, poll_s
        self.consumer = _consumer(settings, group)
        self.assigned: set[int] = set()
        self.done: set[int] = set()
        self._assigned_once = False
        self.before_revoke: Callable[[], None] = lambda: None

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        committed = {tp.partition: tp.offset for tp in consumer.committed(partitions, timeout=10)}
        for tp in partitions:
            # A committed offset is where this run got to before; else the range's start.
            tp.offset = committed[tp.partition] if committed.get(tp.partition, -1) >= 0 else self.start[tp.partition]
            if tp.offset >= self.end[tp.partition]:
                tp.offset = OFFSET_END
                self.done.add(tp.partition)
        self.assigned |= {tp.partition for tp in partitions}
        self._assigned_once = True
        consumer.assign(partitions)
        finished = [TopicPartition(self.topic, p) for p in self.done & self.assigned]
        if finished:
            consumer.pause(finished)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Whatever the caller has finished but not committed yet is committed now, while the
        # partitions are still ours: else their next owner reads it again.
        self.before_revoke()
        self.assigned -= {tp.partition for tp in partitions}

    def finished(self) -> bool:
        return self._assigned_once and self.assigned <= self.done

    def batches(self, stop: Callable[[], bool] = lambda: False) -> Iterator[list[Message]]:
        self.consumer.subscribe([self.topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        waited = time.monotonic()
        while not stop():
            if self.finished():
                return
            if not self._assigned_once and time.monotonic() - waited > JOIN_TIMEOUT_S:
                raise TimeoutError(f"no partitions of {self.topic} assigned to {self.group} in {JOIN_TIMEOUT_S:.0f} s")
            batch = []
            for msg in self.consumer.consume(self.batch_size, self.poll_s):
                if msg.error():
                    raise KafkaException(msg.error())
                if msg.offset() >= self.end[msg.partition()]:
                    self._finish(msg.partition())
                    continue
                batch.append(msg)
                if msg.offset() + 1 >= self.end[msg.partition()]:
                    self._finish(msg.partition())
            if batch:
                yield batch

    def _finish(self, partition: int) -> None:
        if partition not in self.done:
            self.done.add(partition)
            self.consumer.pause([TopicPartition(self.topic, partition)])

    def commit(self, batch: list[Message]) -> None:
        """Everything in `batch` is done (its outputs acked): resume after it next time."""
        last: dict[int, int] = {}
        for msg in batch:
            last[msg.partition()] = max(last.get(msg.partition(), -1), msg.offset())
        try:
            self.consumer.commit(offsets=[TopicPartition(self.topic, p, o + 1) for p, o in last.items()],
                                 asynchronous=False)
        except KafkaException as exc:
            # Another process joined or left the group and took some of these partitions: their
            # new owner reads this batch again (at-least-once; the writes it leads to are idempotent).
            if exc.args[0].code() not in REBALANCE_ERRORS:
                raise
            log.info("replay: commit after a rebalance of %s refused (%s); the batch is read again", self.group, exc)

    def close(self) -> None:
        self.consumer.close()
