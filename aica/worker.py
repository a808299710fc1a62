"""The worker process: builds every dependency once and registers the stages it runs.
`AICA_WORKER_STAGES` (or --stages) picks stages, e.g. `transcribe` alone on ASR hosts."""
from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any

import aiohttp
import faust
import mode

from agents import ingest, parked, retry, score, tokens, transcribe
from agents.analyze import agent as analyze
from agents.redact import agent as redact
from blobs import retention
from blobs.store import LocalBlobStore
from catalog.projects import ProjectCatalog, load_catalog
from control.portals import KafkaPortals
from control.rescore_runs import RescoreRuns
from control.scorecards import ScorecardVersions, judge_with_history
from sinks import clickhouse_metrics, crm_writeback
from streams.app import create_app, worker_client_id
from streams.metrics_service import register_metrics_service
from streams.partitioning import OwnedPortals, warn_if_rest_stages_split
from streams.portal_keys import NUDGE_INTERVAL_S
from streams.sealing import shared_codec
from streams.settings import Settings
from streams.spec import StageSpec
from warehouse.crm_ledger import CrmWriteLedger

log = logging.getLogger(__name__)
RETENTION_SWEEP_INTERVAL_S = 3600.0


class LazyRestClient:
    """The REST client needs an aiohttp session, which must be made inside the running loop."""

    def __init__(self, settings: Settings, portals: KafkaPortals, tokens: Any = None, limits: Any = None) -> None:
        self.settings, self.portals, self.tokens, self.limits = settings, portals, tokens, limits
        self._client: Any = None

    def _get(self) -> Any:
        if self._client is None:
            from bitrix.client import RestClient
            from bitrix.egress import portal_session
            session = portal_session(self.settings,
                                     timeout=aiohttp.ClientTimeout(total=self.settings.rest_timeout_s))
            self._client = RestClient(session, self.portals, self.settings, tokens=self.tokens,
                                      limits=self.limits)
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def name_os_thread(name: str) -> None:
    """Give the calling thread an OS-visible name (Linux; /proc/<pid>/task/<tid>/comm, top -H).
    Threads it starts later (the models' OpenMP pools) inherit it, so a thread's CPU seconds
    say which part spent them (bench/pipeline_vs_whisper). No-op elsewhere."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)  # 15 = PR_SET_NAME
    except (OSError, AttributeError):
        pass


def named_pool(name: str) -> ThreadPoolExecutor:
    """One worker thread, named `aica-<name>` for the OS as well as for Python."""
    return ThreadPoolExecutor(1, thread_name_prefix=name, initializer=name_os_thread,
                              initargs=(f"aica-{name}",))


class WorkerResources:
    def __init__(self, settings: Settings, owns: Callable[[str], bool] | None = None) -> None:
        """owns: which portals' REST traffic this process owns now (streams.partitioning.OwnedPortals
        in a worker); None: none (the gateway), every call on the side budget."""
        self.settings, self.owns = settings, owns
        # One thread owns ClickHouse (chdb is one connection per process), one runs ASR alone (the
        # next call's ASR never waits for the last one's redaction), one the other CPU-heavy work
        # (redaction, semantic analysis), which then stays off the event loop.
        self.clickhouse_thread = named_pool("clickhouse")
        self.model_thread = named_pool("asr")
        self.cpu_thread = named_pool("text-models")

    @cached_property
    def portals(self) -> KafkaPortals:
        return KafkaPortals(self.settings).start()

    @cached_property
    def tokens(self) -> Any:
        """Refreshes, installs and uninstalls go to the token agent, the single writer."""
        from control.tokens import KafkaTokens
        return KafkaTokens(self.settings, self.portals)

    @cached_property
    def limits(self) -> Any:
        """The process's one limiter per portal (bitrix.limits): REST client, dashboard, install."""
        from bitrix.limits import PortalLimits
        if self.owns is None:
            return PortalLimits.side_only(self.settings)
        return PortalLimits(self.settings, owns=self.owns)

    @cached_property
    def rest(self) -> LazyRestClient:
        return LazyRestClient(self.settings, self.portals, self.tokens, self.limits)

    async def purge_rows(self, member_id: str) -> None:
        from agents.lifecycle import purge_portal_rows
        client = self.clickhouse  # opened here, not in its own thread (it opens through that thread)
        await asyncio.get_running_loop().run_in_executor(
            self.clickhouse_thread, purge_portal_rows, client, self.settings.clickhouse_database, member_id)

    def portal_uninstalled(self, member_id: str) -> bool:
        portal = self.portals.get(member_id)
        return portal is not None and portal.status == "uninstalled"

    async def shred_keys(self, member_id: str) -> int:
        """Delete the portal's data keys (clean uninstall): its sealed records become unreadable."""
        keys = await asyncio.to_thread(lambda: shared_codec(self.settings).keys)
        return await asyncio.to_thread(keys.shred, member_id)

    @cached_property
    def reconcile_marks(self) -> Any:
        from control.reconcile_marks import ReconcileMarks
        return ReconcileMarks(self.settings).start()

    @cached_property
    def blobs(self) -> LocalBlobStore:
        return LocalBlobStore(self.settings.resolved_blob_dir)

    @cached_property
    def rescore_runs(self) -> RescoreRuns:
        return RescoreRuns(self.settings).start()

    @cached_property
    def scorecard_versions(self) -> ScorecardVersions:
        return ScorecardVersions(self.settings).start()

    @cached_property
    def catalog(self) -> ProjectCatalog:
        """The projects file, with scorecards edited in place judged as versions of their own."""
        return judge_with_history(load_catalog(self.settings), self.scorecard_versions)

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
        from warehouse.connection import connect
        from warehouse.writer import ClickHouseWriter

        def open_client() -> Any:
            client = connect(self.settings)
            ClickHouseWriter(client, self.settings.clickhouse_database).ensure_schema()
            return client
        return self.clickhouse_thread.submit(open_client).result()


def wire_ingest(app: faust.App, settings: Settings, res: WorkerResources) -> None:
    from agents import ingest, reconcile
    from agents.lifecycle import Lifecycle
    reconciler = reconcile.Reconciler(settings, res.rest, res.blobs, res.reconcile_marks)
    ingest.register(app, settings, ingest.Ingestor(
        settings, res.portals, res.rest, res.blobs, res.catalogs, reconciler,
        Lifecycle(res.tokens, res.blobs, res.purge_rows, res.shred_keys)))
    reconcile.register_timer(app, settings, res.portals)

    @app.timer(NUDGE_INTERVAL_S, on_leader=True, name="portal-keys-compaction")
    async def nudge_key_compaction() -> None:  # so a deleted key leaves the broker's disk (streams.portal_keys)
        keys = await asyncio.to_thread(lambda: shared_codec(settings).keys)
        await asyncio.to_thread(keys.nudge_compaction)

    @app.timer(RETENTION_SWEEP_INTERVAL_S, on_leader=True, name="recording-retention")
    async def sweep_recordings() -> None:  # personal data in the blob store ages out (blobs.retention)
        report = await asyncio.to_thread(
            retention.sweep_expired, res.blobs, settings.recording_retention_days, time.time())
        if report.calls:
            log.info("retention: deleted the recordings of %d calls older than %g days (%d files, %d bytes)",
                     report.calls, settings.recording_retention_days, report.files, report.bytes)


def wire_crm(app: faust.App, settings: Settings, res: WorkerResources) -> None:
    crm_writeback.register(app, settings, crm_writeback.CrmWriter(
        res.rest, CrmWriteLedger(res.clickhouse, res.clickhouse_thread), res.catalogs))


def wire_dashboard(app: faust.App, settings: Settings, res: WorkerResources) -> None:
    """Here, not in the gateway: chdb opens in one process only."""
    from dashboard.app import create_dashboard_app, register_service
    from warehouse.read_model import CallStore
    register_service(app, settings, lambda: create_dashboard_app(
        settings, res.portals, CallStore(res.clickhouse, res.clickhouse_thread), res.blobs,
        res.portal_settings, res.catalogs, res.rest, res.rescore_runs, limits=res.limits))


Wiring = Callable[[faust.App, Settings, WorkerResources], None]
# Every stage in pipeline order with what it needs from the worker's resources; what each reads and
# writes is its module's SPEC (streams.spec), which tests hold topics.yaml to.
STAGES: tuple[tuple[StageSpec, Wiring], ...] = (
    (ingest.SPEC, wire_ingest),
    (transcribe.SPEC, lambda app, s, res: transcribe.register(app, s, res.blobs, res.model_thread, res.catalogs)),
    (redact.SPEC, lambda app, s, res: redact.register(app, s, res.cpu_thread, res.catalogs)),
    (analyze.SPEC, lambda app, s, res: analyze.register(app, s, res.catalogs, res.cpu_thread)),
    (score.SPEC, lambda app, s, res: score.register(app, s, res.catalogs)),
    (crm_writeback.SPEC, wire_crm),
    (clickhouse_metrics.SPEC, lambda app, s, res: clickhouse_metrics.register(
        app, s, res.clickhouse, res.clickhouse_thread, res.portals)),
    (retry.SPEC, lambda app, s, res: retry.register(app, s)),
    (tokens.SPEC, lambda app, s, res: tokens.register(app, s, res.portals)),
    (parked.SPEC, lambda app, s, res: parked.register(app, s, res.portals)),
)
SERVICES: dict[str, Wiring] = {"dashboard": wire_dashboard}
ALL_STAGES = tuple(spec.name for spec, _ in STAGES) + tuple(SERVICES)


def build_worker_app(settings: Settings, stages: tuple[str, ...] = ALL_STAGES) -> faust.App:
    # Before any model's OpenMP runtime starts (it reads this once): ASR and the sentence
    # embeddings run side by side on shared cores, and spinning waits doubled the ASR's CPU time
    # (docs/benchmarks.md). agents.analyze.embeddings sets it too, but may come too late.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    unknown = set(stages) - set(ALL_STAGES)
    if unknown:
        raise ValueError(f"unknown stages {sorted(unknown)}; choose from {ALL_STAGES}")
    app = create_app(settings, client_id=worker_client_id(os.getpid()))
    res = WorkerResources(settings, owns=OwnedPortals(app, settings))
    shared_codec(settings).uninstalled = res.portal_uninstalled  # see RecordCodec.uninstalled
    warn_if_rest_stages_split(stages)
    for spec, wire in STAGES:
        if spec.name in stages:
            wire(app, settings, res)
    for name, wire in SERVICES.items():
        if name in stages:
            wire(app, settings, res)
    register_metrics_service(app, settings, [t for spec, _ in STAGES if spec.name in stages for t in spec.reads])

    @app.service
    class CloseResources(mode.Service):
        async def on_stop(self) -> None:
            if "rest" in res.__dict__:
                await res.rest.close()
            for view in ("portals", "portal_settings", "reconcile_marks", "scorecard_versions",
                         "rescore_runs"):  # compacted-topic views
                if view in res.__dict__:
                    res.__dict__[view].stop()
    return app


class BoundedWorker(faust.Worker):
    """Stops on SIGTERM/SIGINT like Faust's worker, but within `grace_s`: with its broker gone,
    Faust's consumer waits minutes on commits and leaving the group; past the grace period the
    process exits anyway (nothing is lost: uncommitted offsets are redelivered)."""

    def __init__(self, *args: Any, grace_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grace_s = grace_s

    def _schedule_shutdown(self, signal_: signal.Signals) -> None:
        if not self._signal_stop_time:
            exit_after(self.grace_s, f"{signal_.name}: clean stop took over {self.grace_s:.0f}s")
        super()._schedule_shutdown(signal_)


def exit_after(grace_s: float, why: str) -> threading.Timer:
    def give_up() -> None:
        log.warning("%s; exiting now", why)
        logging.shutdown()
        os._exit(1)
    timer = threading.Timer(grace_s, give_up)
    timer.daemon = True
    timer.start()
    return timer


def run_worker(settings: Settings, stages: tuple[str, ...] = ALL_STAGES, loglevel: str = "info") -> None:
    from streams.logs import logging_config
    from streams.topics import ensure_topics
    ensure_topics(settings)
    app = build_worker_app(settings, stages)
    # JSON lines replace Faust's colour handler; text keeps Faust's own format.
    config = logging_config(loglevel, "json") if settings.log_format == "json" else None
    BoundedWorker(app, loglevel=loglevel, quiet=True, logging_config=config,
                  grace_s=settings.shutdown_grace_s).execute_from_commandline()
