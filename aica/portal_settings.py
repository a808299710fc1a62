"""Per-portal settings (project overrides from the dashboard, relay signing secrets) on the
compacted topic `aica.portal-settings.v1`, keyed by member_id and kept in memory by every
process, like `streams.portal_store` does for installed portals. Secrets are Fernet-encrypted.

`PortalCatalogs` is what the pipeline uses: the project catalog of one portal, i.e. the built-in
catalog with that portal's own projects on top (`aica.projects.portal_catalog`)."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, replace

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from cryptography.fernet import Fernet

from aica.projects import Project, ProjectCatalog, PortalProjects, parse_portal_projects, portal_catalog
from schemas import registry
from streams.settings import Settings
from streams.topics import Topic

log = logging.getLogger(__name__)
RECORD = "aica.PortalSettings"


@dataclass(frozen=True)
class PortalSettings:
    member_id: str
    projects: PortalProjects | None = None  # None: the built-in catalog applies
    relay_secret: str | None = None
    relay_previous_secret: str | None = None
    relay_previous_valid_until: float | None = None  # unix seconds
    updated_by: int | None = None
    generation: int = 0

    def relay_secrets(self, now: float) -> tuple[bytes, ...]:
        """Secrets a relay post for this portal may be signed with: current, and the previous one
        until its overlap window ends."""
        out = [self.relay_secret] if self.relay_secret else []
        if self.relay_previous_secret and (self.relay_previous_valid_until or 0) > now:
            out.append(self.relay_previous_secret)
        return tuple(s.encode() for s in out)

    def rotated(self, overlap_s: float, now: float, by: int | None) -> PortalSettings:
        """A new current secret; the old one stays valid for overlap_s."""
        return replace(self, relay_secret=secrets.token_urlsafe(32), relay_previous_secret=self.relay_secret,
                       relay_previous_valid_until=now + overlap_s if self.relay_secret else None,
                       updated_by=by, generation=self.generation + 1)

    def with_projects(self, projects: PortalProjects | None, by: int | None) -> PortalSettings:
        return replace(self, projects=projects, updated_by=by, generation=self.generation + 1)

    def __repr__(self) -> str:  # never print secrets
        return f"PortalSettings(member_id={self.member_id!r}, generation={self.generation})"


def projects_json(projects: PortalProjects) -> str:
    return json.dumps(projects.model_dump(mode="json", exclude={"projects": {"__all__": {"name", "portals"}}}))


def settings_to_record(value: PortalSettings, box: Fernet) -> dict:
    enc = lambda s: box.encrypt(s.encode()).decode() if s else None  # noqa: E731
    until = value.relay_previous_valid_until
    return {"member_id": value.member_id,
            "projects_json": projects_json(value.projects) if value.projects else None,
            "relay_secret_enc": enc(value.relay_secret),
            "relay_previous_secret_enc": enc(value.relay_previous_secret),
            "relay_previous_valid_until": int(until * 1000) if until else None,
            "updated_by": value.updated_by, "updated_at": int(time.time() * 1000),
            "generation": value.generation}


def record_to_settings(record: dict, box: Fernet, base: ProjectCatalog) -> PortalSettings:
    dec = lambda s: box.decrypt(s.encode()).decode() if s else None  # noqa: E731
    until = record.get("relay_previous_valid_until")
    raw = record.get("projects_json")
    return PortalSettings(
        member_id=record["member_id"],
        projects=parse_portal_projects(json.loads(raw), base) if raw else None,
        relay_secret=dec(record.get("relay_secret_enc")),
        relay_previous_secret=dec(record.get("relay_previous_secret_enc")),
        relay_previous_valid_until=until.timestamp() if hasattr(until, "timestamp") else (until / 1000 if until else None),
        updated_by=record.get("updated_by"), generation=record.get("generation") or 0)


class KafkaPortalSettings:
    """Follows the topic in a reader thread; put() writes through (acks=all) and applies locally.
    The newest generation of a portal's settings wins."""

    def __init__(self, settings: Settings, box: Fernet, base: ProjectCatalog) -> None:
        self.settings, self.box, self.base = settings, box, base
        self.topic = settings.topic(Topic.PORTAL_SETTINGS)
        self._values: dict[str, PortalSettings] = {}
        self._lock = threading.Lock()
        self._stop, self._loaded = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "acks": "all",
                                   "enable.idempotence": True})

    def get(self, member_id: str) -> PortalSettings:
        with self._lock:
            return self._values.get(member_id) or PortalSettings(member_id)

    async def put(self, value: PortalSettings) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.put_sync, value)

    def put_sync(self, value: PortalSettings) -> None:
        errors: list = []
        self._producer.produce(self.topic, key=value.member_id.encode(),
                               value=registry.encode(RECORD, settings_to_record(value, self.box)),
                               on_delivery=lambda err, msg: errors.append(err) if err else None)
        if self._producer.flush(30) or errors:
            raise RuntimeError(f"could not store settings of portal {value.member_id}: {errors or 'timeout'}")
        self._apply(value)

    def _apply(self, value: PortalSettings) -> None:
        with self._lock:
            current = self._values.get(value.member_id)
            if current is None or value.generation >= current.generation:
                self._values[value.member_id] = value

    def start(self, timeout_s: float = 30.0) -> KafkaPortalSettings:
        self._thread = threading.Thread(target=self._follow, name="portal-settings", daemon=True)
        self._thread.start()
        if not self._loaded.wait(timeout_s):
            raise TimeoutError(f"portal settings not loaded from {self.topic} in {timeout_s}s")
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(10)

    def _follow(self) -> None:
        consumer = Consumer({"bootstrap.servers": self.settings.kafka_bootstrap,
                             "group.id": "aica-portal-settings-reader", "enable.auto.commit": False,
                             "enable.partition.eof": True})
        try:
            meta = consumer.list_topics(self.topic, timeout=30).topics[self.topic]
            parts = [TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in meta.partitions]
            consumer.assign(parts)
            at_eof: set[int] = set()
            if not parts:
                self._loaded.set()
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
                        log.warning("portal settings: %s", msg.error())
                    continue
                try:
                    self._apply(record_to_settings(registry.decode(RECORD, msg.value()), self.box, self.base))
                except Exception as exc:  # one unreadable record must not stop the view
                    log.error("portal settings: unreadable record at offset %s: %s", msg.offset(),
                              type(exc).__name__)
        finally:
            consumer.close()


class PortalCatalogs:
    """Drop-in for a ProjectCatalog where a call's portal is known: `resolve(member_id, line)` and
    `for_portal(member_id)` apply that portal's own projects."""

    def __init__(self, base: ProjectCatalog, store: KafkaPortalSettings | None) -> None:
        self.base, self.store = base, store
        self.projects: dict[str, Project] = base.projects  # portal-less readers see the base
        self.scorecards = base.scorecards
        self._cache: dict[tuple[str, int], ProjectCatalog] = {}

    def for_portal(self, member_id: str) -> ProjectCatalog:
        own = self.store.get(member_id) if self.store is not None else None
        if own is None or own.projects is None:
            return self.base
        key = (member_id, own.generation)
        if key not in self._cache:
            self._cache[key] = portal_catalog(self.base, own.projects, member_id)
        return self._cache[key]

    def resolve(self, member_id: str, line: str | None) -> Project:
        return self.for_portal(member_id).resolve(member_id, line)

    def scorecard(self, scorecard_id: str):
        return self.base.scorecard(scorecard_id)
