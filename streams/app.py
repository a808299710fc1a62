"""The Faust app, built from Settings (no module-level app: tests build their own)."""
from __future__ import annotations

import faust

from streams.settings import Settings


def worker_client_id(pid: int) -> str:
    """How a worker process names itself to the broker: its group membership shows whose it is."""
    return f"aica-worker-{pid}"


def create_app(settings: Settings, *, name: str | None = None, client_id: str | None = None) -> faust.App:
    app_name = name or settings.consumer_group
    # Faust's default datadir is "<name>-data" in the working directory; keep it with our data
    # (faust creates only the last level of it).
    datadir = settings.data_dir / "faust" / app_name
    datadir.parent.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_name,
        datadir=datadir,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        autodiscover=False,
        # Avro single-object bytes in and out; stages decode with schemas.registry.
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=False,  # streams.topics.ensure_topics owns creation and config
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        # At-least-once: faust flushes the producer before it commits offsets.
        broker_commit_every=50,
        broker_commit_interval=1.0,
        stream_wait_empty=True,
        # Transcribing a long call holds one event for minutes; don't get kicked from the group.
        broker_max_poll_interval=1800.0,
        broker_session_timeout=settings.consumer_session_timeout_s,
        producer_max_request_size=4 * 1024 * 1024,
        **({"broker_client_id": client_id} if client_id else {}),
    )
