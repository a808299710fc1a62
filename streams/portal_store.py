"""Installed portals on a compacted Kafka topic (the control plane's system of record), kept in
memory by every process. Tokens and application_token are Fernet-encrypted at rest."""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from cryptography.fernet import Fernet

from bitrix.portals import Portal
from schemas import registry
from streams.settings import Settings
from streams.topics import Topic

log = logging.getLogger(__name__)


def load_secret_box(settings: Settings) -> Fernet:
    """The key comes from AICA_SECRET_KEY; the embedded mode generates one into data_dir (0600)."""
    if settings.secret_key:
        return Fernet(settings.secret_key.encode())
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def portal_to_record(portal: Portal, box: Fernet) -> dict:
    enc = lambda s: box.encrypt(s.encode()).decode()  # noqa: E731
    return {
        "member_id": portal.member_id, "domain": portal.domain,
        "client_endpoint": portal.client_endpoint, "server_endpoint": portal.server_endpoint,
        "status": portal.status,
        "application_token_enc": enc(portal.application_token),
        "access_token_enc": enc(portal.access_token),
        "refresh_token_enc": enc(portal.refresh_token),
        "access_expires_at": int(portal.access_expires_at * 1000),
        "updated_at": int(time.time() * 1000), "generation": portal.generation,
    }


def record_to_portal(record: dict, box: Fernet) -> Portal:
    dec = lambda s: box.decrypt(s.encode()).decode()  # noqa: E731
    expires = record["access_expires_at"]
    return Portal(
        member_id=record["member_id"], domain=record["domain"],
        client_endpoint=record["client_endpoint"], server_endpoint=record["server_endpoint"],
        application_token=dec(record["application_token_enc"]),
        access_token=dec(record["access_token_enc"]), refresh_token=dec(record["refresh_token_enc"]),
        access_expires_at=expires.timestamp() if hasattr(expires, "timestamp") else expires / 1000,
        status=record["status"], generation=record["generation"],
    )


class KafkaPortals:
    """PortalDirectory over `aica.portals.v1`: a reader thread follows the topic; put() writes
    through with acks=all and applies locally. The newest generation of a portal wins."""

    def __init__(self, settings: Settings, box: Fernet | None = None) -> None:
        self.settings = settings
        self.topic = settings.topic(Topic.PORTALS)
        self.box = box or load_secret_box(settings)
        self._portals: dict[str, Portal] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._loaded = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all",
                                   "enable.idempotence": True})

    def get(self, member_id: str) -> Portal | None:
        with self._lock:
            return self._portals.get(member_id)

    def all(self) -> list[Portal]:
        with self._lock:
            return list(self._portals.values())

    async def put(self, portal: Portal) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.put_sync, portal)

    def put_sync(self, portal: Portal) -> None:
        value = registry.encode("aica.PortalInstallation", portal_to_record(portal, self.box))
        errors: list = []
        self._producer.produce(self.topic, key=portal.member_id.encode(), value=value,
                               on_delivery=lambda err, msg: errors.append(err) if err else None)
        if self._producer.flush(30) or errors:
            raise RuntimeError(f"could not store portal {portal.member_id}: {errors or 'timeout'}")
        self._apply(portal)

    def _apply(self, portal: Portal) -> None:
        with self._lock:
            current = self._portals.get(portal.member_id)
            if current is None or portal.generation >= current.generation:
                self._portals[portal.member_id] = portal

    def start(self, timeout_s: float = 30.0) -> "KafkaPortals":
        self._thread = threading.Thread(target=self._follow, name="portals", daemon=True)
        self._thread.start()
        if not self._loaded.wait(timeout_s):
            raise TimeoutError(f"portal directory not loaded from {self.topic} in {timeout_s}s")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _follow(self) -> None:
        consumer = Consumer({"bootstrap.servers": self.settings.kafka_bootstrap,
                             "group.id": "aica-portals-reader", "enable.auto.commit": False,
                             "enable.partition.eof": True})
        try:
            meta = consumer.list_topics(self.topic, timeout=30).topics[self.topic]
            parts = [TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in meta.partitions]
            consumer.assign(parts)
            at_eof: set[int] = set()
            while not self._stop.is_set():
                msg = consumer.poll(0.5)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        at_eof.add(msg.partition())
                        if len(at_eof) == len(parts):
                            self._loaded.set()
                    else:
                        log.warning("portal directory: %s", msg.error())
                    continue
                try:
                    self._apply(record_to_portal(
                        registry.decode("aica.PortalInstallation", msg.value()), self.box))
                except Exception as exc:  # a record we cannot read must not stop the directory
                    log.error("portal directory: unreadable record at offset %s: %s",
                              msg.offset(), type(exc).__name__)
        finally:
            consumer.close()
