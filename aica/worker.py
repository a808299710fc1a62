"""The worker process: builds every dependency once and registers the stages it runs.
`AICA_WORKER_STAGES` (or --stages) picks stages, e.g. `transcribe` alone on ASR hosts."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any

import aiohttp
import faust
import mode

from blobs.store import LocalBlobStore
from catalog.projects import ProjectCatalog, load_catalog
from streams.app import create_app
from control.portals import KafkaPortals
from streams.settings import Settings

log = logging.getLogger(__name__)

ALL_STAGES = ("ingest", "transcribe", "redact", "analyze", "score", "crm", "clickhouse", "retry",
              "tokens", "parked", "dashboard")


class LazyRestClient:
    """The REST client needs an aiohttp session, which must be made inside the running loop."""

    def __init__(self, settings: Settings, portals: KafkaPortals, tokens: Any = None) -> None:
        self.settings, self.portals, self.tokens = settings, portals, tokens
        self._client: Any = None

    def _get(self) -> Any:
        if self._client is None:
            from bitrix.client import RestClient
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.rest_timeout_s))
            self._client = RestClient(session, self.portals, self.settings, tokens=self.tokens)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


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
    def tokens(self) -> Any:
        """Refreshes, installs and uninstalls go to the token agent, the single writer."""
        from control.tokens import KafkaTokens
        return KafkaTokens(self.settings, self.portals)

    @cached_property
    def rest(self) -> LazyRestClient:
        return LazyRestClient(self.settings, self.portals, self.tokens)

    async def purge_rows(self, member_id: str) -> None:
        from agents.lifecycle import purge_portal_rows
        client = self.clickhouse  # opened here, not in its own thread (it opens through that thread)
        await asyncio.get_running_loop().run_in_executor(
            self.clickhouse_thread, purge_portal_rows, client, self.settings.clickhouse_database, member_id)

    @cached_property
    def reconcile_marks(self) -> Any:
        from control.reconcile_marks import ReconcileMarks
        return ReconcileMarks(self.settings).start()

    @cached_property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(self.settings.resolved_blob_dir)

    @cached_property
    def catalog(self) -> ProjectCatalog:
        return load_catalog(self.settings)

    @cached_property
    def portal_settings(self) -> Any:
        from control.portal_settings import KafkaPortalSettings
        from control.portals import load_secret_box
        return KafkaPortalSettings(self.settings, load_secret_box(self.settings), self.catalog).start()

    @cached_property
    def catalogs(self) -> Any:
        """The catalog with each portal's own projects (dashboard settings): ingest and crm use it."""
        from catalog.portal_settings import PortalCatalogs
        return PortalCatalogs(self.catalog, self.portal_settings)

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
    from streams.partitioning import warn_if_rest_stages_split
    warn_if_rest_stages_split(stages)
    if "ingest" in stages:
        from agents import ingest, reconcile
        from agents.lifecycle import Lifecycle
        reconciler = reconcile.Reconciler(settings, res.rest, res.blobs, res.reconcile_marks)
        ingest.register(app, settings, lambda runner: ingest.Ingestor(
            settings, res.portals, res.rest, res.blobs, res.catalogs, runner, reconciler,
            Lifecycle(res.tokens, res.blobs, res.purge_rows)))
        reconcile.register_timer(app, settings, res.portals)
    if "transcribe" in stages:
        from agents import transcribe
        transcribe.register(app, settings, res.blobs, res.model_thread, res.catalogs)
    if "redact" in stages:
        from agents.redact import agent as redact
        redact.register(app, settings, res.model_thread, res.catalogs)
    if "analyze" in stages:
        from agents.analyze import agent as analyze
        analyze.register(app, settings, res.catalogs)
    if "score" in stages:
        from agents import score
        score.register(app, settings, res.catalogs)
    if "crm" in stages:
        from sinks import crm_writeback
        crm_writeback.register(app, settings, crm_writeback.CrmWriter(
            res.rest, crm_writeback.Ledger(res.clickhouse, res.clickhouse_thread), res.catalogs))
    if "clickhouse" in stages:
        from sinks import clickhouse_metrics
        clickhouse_metrics.register(app, settings, res.clickhouse, res.clickhouse_thread, res.portals)
    if "retry" in stages:
        from agents import retry
        retry.register(app, settings)
    if "tokens" in stages:
        from agents import tokens
        tokens.register(app, settings, res.portals)
    if "parked" in stages:
        from agents import parked
        parked.register(app, settings, res.portals)
    if "dashboard" in stages:  # here, not in the gateway: chdb opens in one process only
        from dashboard.app import create_dashboard_app, register_service
        from sinks.call_store import CallStore
        register_service(app, settings, lambda: create_dashboard_app(
            settings, res.portals, CallStore(res.clickhouse, res.clickhouse_thread), res.blobs,
            res.portal_settings, res.catalogs, res.rest))

    @app.service
    class CloseResources(mode.Service):
        async def on_stop(self) -> None:
            if "rest" in res.__dict__:
                await res.rest.close()
            for view in ("portals", "portal_settings", "reconcile_marks"):  # compacted-topic views
                if view in res.__dict__:
                    res.__dict__[view].stop()
    return app


def run_worker(settings: Settings, stages: tuple[str, ...] = ALL_STAGES, loglevel: str = "info") -> None:
    from streams.topics import ensure_topics
    ensure_topics(settings)
    app = build_worker_app(settings, stages)
    faust.Worker(app, loglevel=loglevel, quiet=True).execute_from_commandline()
