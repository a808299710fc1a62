"""Publishing to Kafka with an awaited broker ack.

confluent-kafka (librdkafka) runs delivery callbacks on whichever thread calls `poll`; a small
poll thread does that and hands each result to the asyncio loop with `call_soon_threadsafe`."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Protocol, runtime_checkable

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)


class PublishError(Exception):
    """The broker refused the record or did not ack it in time."""


class Publisher(Protocol):
    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        """Return only once the broker has acked `value` (acks from all in-sync replicas)."""


@runtime_checkable
class Pingable(Protocol):
    async def ping(self, timeout_s: float) -> bool:
        """True if the broker answers a metadata request within timeout_s."""


def producer_config(bootstrap: str, ack_timeout_s: float) -> dict[str, object]:
    return kafka_config(bootstrap, **{
        "client.id": "aica-gateway",
        "acks": "all",
        "enable.idempotence": True,
        # Same key -> same partition as the aiokafka/Java clients the Faust workers use.
        "partitioner": "murmur2_random",
        "linger.ms": 5,
        # Let librdkafka give up about when we stop waiting; the record is spooled instead.
        "message.timeout.ms": max(1000, int(ack_timeout_s * 1000)),
    })


def _settle(future: asyncio.Future[None], error: KafkaError | None) -> None:
    if future.done():  # the awaiting request already timed out and spooled the record
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(PublishError(f"delivery failed: {error.name()}"))


class KafkaPublisher:
    def __init__(self, bootstrap: str, ack_timeout_s: float) -> None:
        self._ack_timeout_s = ack_timeout_s
        self._producer = Producer(producer_config(bootstrap, ack_timeout_s))
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll_forever, name="kafka-publisher-poll", daemon=True)
        self._poller.start()

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            loop.call_soon_threadsafe(_settle, future, error)

        try:
            self._producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
        except (BufferError, KafkaException) as exc:
            raise PublishError(f"produce refused: {type(exc).__name__}") from exc
        try:
            await asyncio.wait_for(future, self._ack_timeout_s)
        except TimeoutError:
            raise PublishError(f"no broker ack within {self._ack_timeout_s}s") from None

    async def ping(self, timeout_s: float) -> bool:
        try:
            await asyncio.to_thread(self._producer.list_topics, timeout=timeout_s)
        except KafkaException:
            return False
        return True

    def close(self, flush_timeout_s: float = 5.0) -> int:
        """Flush what is in flight, stop polling; returns how many records were left unsent."""
        left = self._producer.flush(flush_timeout_s)
        self._stopping.set()
        self._poller.join(timeout=flush_timeout_s)
        return left

    def _poll_forever(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.1)
