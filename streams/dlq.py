"""Dead letters: list them, and replay them to the topic they came from once the cause is fixed.
The pipeline is idempotent per call, so replaying a letter twice does no harm."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from blobs.store import LocalBlobStore
from schemas import registry
from streams.sealing import RecordCodec, is_sealed, shared_codec
from streams.settings import Settings
from streams.topics import Topic
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)


def read_dead_letters(settings: Settings, timeout_s: float = 10.0,
                      newest: int | None = None) -> Iterator[dict]:
    """Every dead letter on the topic, oldest first per partition (reads to the end, commits
    nothing); with `newest`, only the last `newest` of each partition, so a status check does not
    read a topic that may hold millions of letters."""
    topic = settings.topic(Topic.DEADLETTER)
    consumer = Consumer(kafka_config(settings.kafka_bootstrap, **{"group.id": "aica-dlq-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True}))
    try:
        partitions = consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
        starts = {p: OFFSET_BEGINNING for p in partitions}
        if newest is not None:
            for p in partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
                if high <= low:  # empty: no EOF event would come for a partition with nothing to read
                    starts.pop(p)
                else:
                    starts[p] = max(low, high - newest)
        if not starts:
            return
        consumer.assign([TopicPartition(topic, p, offset) for p, offset in starts.items()])
        partitions = starts
        done: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(done) < len(partitions) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    done.add(msg.partition())
                continue
            deadline = time.monotonic() + timeout_s
            yield registry.decode("aica.DeadLetter", msg.value())
    finally:
        consumer.close()


def replay_messages(settings: Settings, letters: list[dict],
                    codec: RecordCodec | None = None) -> list[tuple[str, bytes | None, bytes]]:
    """(topic, key, original bytes) per letter. A letter of a personal-data topic carries a
    blob:// reference instead of the bytes (streams.stage.StageRunner.detached): read back here.
    A reference whose data was purged with its portal, a letter whose bytes were not kept, or
    sealed bytes whose portal key was deleted (streams.sealing) are left out (logged): there is
    nothing to replay. Sealed bytes go back as they are; the stage decrypts them."""
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    out = []
    for letter in letters:
        ref = letter.get("value_ref")
        value = blobs.read(ref) if ref else letter["value"]
        if value is None or (not ref and not value):
            log.warning("dead letter of call %s has no payload left to replay", letter.get("call_id"))
            continue
        if is_sealed(value) and (codec or shared_codec(settings)).shredded(value):
            log.info("dead letter of call %s is shredded (portal uninstalled); not replayed", letter.get("call_id"))
            continue
        out.append((letter["source_topic"], letter["key"], value))
    return out


def replay(settings: Settings, letters: list[dict],
           on_replayed: Callable[[int], None] = lambda n: None) -> int:
    """Put each letter's original bytes back on its source topic (attempt count reset);
    `on_replayed(1)` as the broker acks each one (progress)."""
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all",
                         "enable.idempotence": True, "partitioner": "murmur2_random"}))
    errors: list = []
    messages = replay_messages(settings, letters)
    def delivered(err, _msg) -> None:
        if err:
            errors.append(err)
        else:
            on_replayed(1)
    for topic, key, value in messages:
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
        producer.poll(0)
    producer.flush(30)
    if errors:
        raise RuntimeError(f"{len(errors)} replays failed: {errors[0]}")
    return len(messages)


def matching(stage: str | None = None, member_id: str | None = None,
             reason_contains: str | None = None) -> Callable[[dict], bool]:
    def accept(letter: dict) -> bool:
        return ((stage is None or letter["stage"] == stage)
                and (member_id is None or letter["member_id"] == member_id)
                and (reason_contains is None or reason_contains.lower() in letter["reason"].lower()))
    return accept
