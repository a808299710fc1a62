"""The worker process: builds every dependency once and registers the stages it runs.
`AICA_WORKER_STAGES` (or --stages) picks stages, e.g. `transcribe` alone on ASR hosts."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any

import aiohttp
import faust
import mode

from aica.blobs import LocalBlobStore
from aica.projects import ProjectCatalog, load_catalog
from streams.app import create_app
from streams.portal_store import KafkaPortals
from streams.settings import Settings

log = logging.getLogger(__name__)

ALL_STAGES = ("ingest", "transcribe", "redact", "analyze", "score", "crm", "clickhouse", "retry")


class LazyRestClient:
    """The REST client needs an aiohttp session, which must be made inside the running loop."""

    def __init__(self, settings: Settings, portals: KafkaPortals) -> None:
        self.settings, self.portals = settings, portals
        self._client: Any = None

    def _get(self) -> Any:
        if self._client is None:
            from bitrix.client import RestClient
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.rest_timeout_s))
            self._client = RestClient(session, self.portals, self.settings)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    async def close(self) -> None:
        if self._client is not None:
            await self._client._session.close()


class WorkerResources:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # One thread owns ClickHouse (chdb is one connection per process), one runs CPU-heavy models.
        self.clickhouse_thread = ThreadPoolExecutor(1, thread_name_prefix="clickhouse")
        self.model_thread = ThreadPoolExecutor(1, thread_name_prefix="models")

    @cached_property
    def portals(self) -> KafkaPortals:
        return KafkaPortals(self.settings).start()

    @cached_property
    def rest(self) -> LazyRestClient:
        return LazyRestClient(self.settings, self.portals)

    @cached_property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(self.settings.resolved_blob_dir)

    @cached_property
    def catalog(self) -> ProjectCatalog:
        return load_catalog(self.settings)

    @cached_property
    def clickhouse(self) -> Any:
        from sinks.clickhouse_metrics import ClickHouseWriter, connect

        def open_client() -> Any:
            client = connect(self.settings)
            ClickHouseWriter(client, self.settings.clickhouse_database).ensure_schema()
            return client
        return self.clickhouse_thread.submit(open_client).result()


def build_worker_app(settings: Settings, stages: tuple[str, ...] = ALL_STAGES) -> faust.App:
    unknown = set(stages) - set(ALL_STAGES)
    if unknown:
        raise ValueError(f"unknown stages {sorted(unknown)}; choose from {ALL_STAGES}")
    app = create_app(settings)
    res = WorkerResources(settings)
    if "ingest" in stages:
        from agents import ingest
        ingest.register(app, settings, lambda runner: ingest.Ingestor(
            settings, res.portals, res.rest, res.blobs, res.catalog, runner))
    if "transcribe" in stages:
        from agents import transcribe
        transcribe.register(app, settings, res.blobs, res.model_thread)
    if "redact" in stages:
        from agents.redact import agent as redact
        redact.register(app, settings, res.model_thread)
    if "analyze" in stages:
        from agents.analyze import agent as analyze
        analyze.register(app, settings, res.catalog)
    if "score" in stages:
        from agents import score
        score.register(app, settings, res.catalog)
    if "crm" in stages:
        from sinks import crm_writeback
        crm_writeback.register(app, settings, crm_writeback.CrmWriter(
            res.rest, crm_writeback.Ledger(res.clickhouse, res.clickhouse_thread), res.catalog))
    if "clickhouse" in stages:
        from sinks import clickhouse_metrics
        clickhouse_metrics.register(app, settings, res.clickhouse, res.clickhouse_thread)
    if "retry" in stages:
        from agents import retry
        retry.register(app, settings)

    @app.service
    class CloseResources(mode.Service):
        async def on_stop(self) -> None:
            if "rest" in res.__dict__:
                await res.rest.close()
            if "portals" in res.__dict__:
                res.portals.stop()
    return app


def run_worker(settings: Settings, stages: tuple[str, ...] = ALL_STAGES, loglevel: str = "info") -> None:
    from streams.topics import ensure_topics
    ensure_topics(settings)
    app = build_worker_app(settings, stages)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()
