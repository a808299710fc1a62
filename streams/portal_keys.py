"""Per-portal data keys for crypto-shredding (streams.sealing), on their own compacted topic
`aica.portal-keys.v1`, each wrapped by the master key (streams.master_key), materialised in memory.

Why a topic of their own and not a field of `aica.portals.v1`: a portal's record there is rewritten
at every token refresh (a copy of the key in each, lingering until compaction) and survives an
uninstall as `uninstalled`; here a key is written once and deleted by a tombstone, and the topic's
`max.compaction.lag.ms` bounds how long the deleted key stays on the broker's disk.

Keys are created on first write, by whichever process seals a portal's first record, so two may race:
each key is its own record (`member_id/key_id`), so no key is ever overwritten (a record sealed with
either stays readable); a process keeps sealing with the key it first used (the oldest it knew).
`shred` deletes all of a portal's keys."""
from __future__ import annotations

import logging
import os
import threading
import time

from confluent_kafka import Consumer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.registry import epoch_ms
from streams.compacted import CompactedView
from streams.kafka_clients import kafka_config
from streams.master_key import load_secret_box
from streams.settings import Settings
from streams.topics import Topic

log = logging.getLogger(__name__)
RECORD = "aica.PortalKey"
NUDGE_KEY = "~compaction-nudge"  # no member_id/key_id: never a key
# How often a worker nudges the keys topic's segments to roll (see nudge_compaction).
NUDGE_INTERVAL_S = 3600.0


def record_key(member_id: str, key_id: str) -> str:
    return f"{member_id}/{key_id}"


class PortalKeys(CompactedView[dict]):
    def __init__(self, settings: Settings) -> None:
        self.box = load_secret_box(settings)
        self._aeads: dict[str, AESGCM] = {}  # unwrapped keys by record key (the view decides if one exists)
        self._gone: set[str] = set()  # keys known deleted, or absent after reading the topic to its end
        self._create_lock = threading.Lock()
        self._writing: dict[str, dict] = {}  # member_id -> the key its records are sealed with
        super().__init__(settings, settings.topic(Topic.PORTAL_KEYS), RECORD,
                         to_record=lambda r: r, from_record=lambda r: r,
                         key_of=lambda r: record_key(r["member_id"], r["key_id"]),
                         version_of=lambda r: epoch_ms(r["created_at"]))

    def _aead(self, record: dict) -> AESGCM:
        name = record_key(record["member_id"], record["key_id"])
        if name not in self._aeads:
            self._aeads[name] = AESGCM(self.box.decrypt(record["wrapped_key"].encode()))
        return self._aeads[name]

    def forget(self, key: str) -> None:
        super().forget(key)
        self._gone.add(key)
        self._aeads.pop(key, None)

    def key(self, member_id: str, key_id: bytes) -> AESGCM | None:
        """None when the key was deleted. A key stored a moment ago by another process may not have
        reached this view yet: a miss reads the topic to its end before it counts (key ids are
        random and a key is stored before any record sealed with it, so then it is gone for good)."""
        name = record_key(member_id, key_id.hex())
        record = self.get(name)
        if record is None and name not in self._gone:
            self.catch_up()
            record = self.get(name)
            if record is None:
                self._gone.add(name)
        return None if record is None else self._aead(record)

    def keys_of(self, member_id: str) -> list[dict]:
        return sorted((r for r in self.all() if r["member_id"] == member_id),
                      key=lambda r: (epoch_ms(r["created_at"]), r["key_id"]))

    def key_for_writing(self, member_id: str) -> tuple[bytes, AESGCM]:
        """The portal's oldest key; a new one (stored with acks=all first) when it has none."""
        cached = self._writing.get(member_id)
        if cached is not None and self.get(record_key(member_id, cached["key_id"])) is not None:
            return bytes.fromhex(cached["key_id"]), self._aead(cached)  # no scan of every key per record
        with self._create_lock:
            existing = self.keys_of(member_id)
            if existing:
                self._writing[member_id] = existing[0]
                return bytes.fromhex(existing[0]["key_id"]), self._aead(existing[0])
            raw = AESGCM.generate_key(bit_length=256)
            record = {"member_id": member_id, "key_id": os.urandom(8).hex(),
                      "wrapped_key": self.box.encrypt(raw).decode(), "created_at": int(time.time() * 1000)}
            try:
                self.put_sync(record)
            except RuntimeError as exc:  # the broker did not take it: transient for the stage
                raise ConnectionError(f"portal {member_id}: new data key not stored: {exc}") from None
            log.info("portal %s: data key %s created", member_id, record["key_id"])
            return bytes.fromhex(record["key_id"]), self._aead(record)

    def nudge_compaction(self) -> None:
        """One tombstone of a key that never existed into each partition. Kafka rolls the active
        segment (which is never compacted) only when a record is appended after
        max.compaction.lag.ms: without a later write, a deleted key could sit there for good."""
        for partition in self._partitions_now():
            self._producer.produce(self.topic, key=NUDGE_KEY.encode(), value=None, partition=partition)
        if self._producer.flush(30):
            raise ConnectionError(f"{self.topic}: compaction nudge not acked")

    def _partitions_now(self) -> list[int]:
        consumer = Consumer(kafka_config(self.settings.kafka_bootstrap, **{"group.id": f"aica-view-{self.topic}"}))
        try:
            return sorted(consumer.list_topics(self.topic, timeout=10).topics[self.topic].partitions)
        finally:
            consumer.close()

    def shred(self, member_id: str) -> int:
        """Delete every key of the portal (tombstones, acks=all): its sealed records are unreadable
        from now on, in every process. Returns how many keys were deleted."""
        self.catch_up()  # keys other processes created a moment ago count too
        doomed = self.keys_of(member_id)
        for record in doomed:
            self.delete_sync(record_key(member_id, record["key_id"]))
        log.info("portal %s: %d data keys deleted; its sealed records are shredded", member_id, len(doomed))
        return len(doomed)
