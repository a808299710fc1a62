"""A keyed, in-memory view of a compacted topic: the control plane's building block (installed
portals, per-portal settings, reconciliation marks). A reader thread follows the topic from the
beginning; `put` writes through with acks=all and applies locally at once. Of two values for a
key, the one with the higher version wins, so a late echo of an older write never undoes a newer.
`delete_sync` writes a tombstone (the key is gone from the view, and from the topic once compacted)."""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from schemas import registry
from streams.settings import Settings
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)
V = TypeVar("V")


class CompactedView(Generic[V]):
    def __init__(self, settings: Settings, topic: str, record_name: str, *,
                 to_record: Callable[[V], dict], from_record: Callable[[dict], V],
                 key_of: Callable[[V], str], version_of: Callable[[V], Any]) -> None:
        self.settings, self.topic, self.record_name = settings, topic, record_name
        self._to_record, self._from_record = to_record, from_record
        self._key_of, self._version_of = key_of, version_of
        self._values: dict[str, V] = {}
        self._lock = threading.Lock()
        self._stop, self._loaded = threading.Event(), threading.Event()
        self._read_to: dict[int, int] = {}  # partition -> next offset the reader will see
        self._thread: threading.Thread | None = None
        self._producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all",
                                   "enable.idempotence": True}))

    def get(self, key: str) -> V | None:
        with self._lock:
            return self._values.get(key)

    def all(self) -> list[V]:
        with self._lock:
            return list(self._values.values())

    async def put(self, value: V) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.put_sync, value)

    def put_sync(self, value: V) -> None:
        self._produce(self._key_of(value), registry.encode(self.record_name, self._to_record(value)))
        self.remember(value)

    def delete_sync(self, key: str) -> None:
        self._produce(key, None)
        self.forget(key)

    def forget(self, key: str) -> None:
        """A key deleted here or read as a tombstone."""
        with self._lock:
            self._values.pop(key, None)

    def _produce(self, key: str, value: bytes | None) -> None:
        errors: list = []
        self._producer.produce(self.topic, key=key.encode(), value=value,
                               on_delivery=lambda err, _msg: errors.append(err) if err else None)
        if self._producer.flush(30) or errors:
            raise RuntimeError(f"could not store {self.record_name} {key}: {errors or 'timeout'}")

    def catch_up(self, timeout_s: float = 30.0) -> None:
        """Wait until the view has read everything on the topic now (writes by other processes
        included): before acting on "every value there is" for a key."""
        consumer = Consumer(kafka_config(self.settings.kafka_bootstrap, **{"group.id": f"aica-view-{self.topic}"}))
        try:
            partitions = consumer.list_topics(self.topic, timeout=timeout_s).topics[self.topic].partitions
            high = {p: consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout_s)[1] for p in partitions}
        finally:
            consumer.close()
        deadline = threading.Event()
        timer = threading.Timer(timeout_s, deadline.set)
        timer.start()
        try:
            while any(self._read_to.get(p, 0) < end for p, end in high.items()):
                if deadline.is_set():
                    raise TimeoutError(f"{self.topic} not read to its end in {timeout_s}s")
                self._stop.wait(0.05)
        finally:
            timer.cancel()

    def remember(self, value: V) -> None:
        """Take a value this process has just published into the view without waiting to read it back."""
        key = self._key_of(value)
        with self._lock:
            current = self._values.get(key)
            if current is None or self._version_of(value) >= self._version_of(current):
                self._values[key] = value

    def start(self, timeout_s: float = 30.0):
        """Returns once everything on the topic when we started has been read."""
        self._thread = threading.Thread(target=self._follow, name=self.topic, daemon=True)
        self._thread.start()
        if not self._loaded.wait(timeout_s):
            raise TimeoutError(f"{self.topic} not loaded in {timeout_s}s")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _partitions(self, consumer: Consumer) -> list[int]:
        """The topic's partitions, once it exists: a process may start before ensure_topics has
        created it, and a view assigned to no partitions would stay empty for good."""
        while not self._stop.is_set():
            metadata = consumer.list_topics(self.topic, timeout=30).topics[self.topic]
            if metadata.partitions:
                return list(metadata.partitions)
            log.warning("%s: no such topic yet (%s); waiting for it", self.topic, metadata.error)
            self._stop.wait(1.0)
        return []

    def _follow(self) -> None:
        consumer = Consumer(kafka_config(self.settings.kafka_bootstrap, **{
            "group.id": f"aica-view-{self.topic}",  # never commits; assign only
            "enable.auto.commit": False, "enable.partition.eof": True}))
        try:
            partitions = self._partitions(consumer)
            consumer.assign([TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in partitions])
            at_eof: set[int] = set()
            while not self._stop.is_set():
                msg = consumer.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        at_eof.add(msg.partition())
                        self._read_to[msg.partition()] = max(self._read_to.get(msg.partition(), 0), msg.offset())
                        if len(at_eof) == len(partitions):
                            self._loaded.set()
                    else:
                        log.warning("%s: %s", self.topic, msg.error())
                    continue
                try:
                    if msg.value() is None:  # a tombstone
                        self.forget(msg.key().decode())
                    else:
                        self.remember(self._from_record(registry.decode(self.record_name, msg.value())))
                except Exception as exc:  # one unreadable record must not stop the view
                    log.error("%s: unreadable record at offset %s: %s", self.topic, msg.offset(),
                              type(exc).__name__)
                self._read_to[msg.partition()] = msg.offset() + 1
        finally:
            consumer.close()
