"""The worker's side of the metrics: `/metrics` on its own port, and the consumer lag of the
topics its stages read, measured every `LAG_INTERVAL_S` (the broker knows it, not the worker)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import mode
from aiohttp import web

from streams.metrics import CONSUMER_LAG, serve_metrics
from streams.settings import Settings
from streams.topics import RETRY_TIERS, retry_tier_topic

log = logging.getLogger(__name__)

LAG_INTERVAL_S = 30.0
LAG_TIMEOUT_S = 5.0


def lag_topics(settings: Settings, logical_topics: Iterable[str]) -> list[str]:
    """Real topic names of what the stages read (the retry tiers' pattern stands for each tier)."""
    names: set[str] = set()
    for logical in logical_topics:
        if logical == RETRY_TIERS:
            names.update(retry_tier_topic(settings, t) for t in range(len(settings.retry_delays_s)))
        else:
            names.add(settings.topic(logical))
    return sorted(names)


def measure_lag(settings: Settings, topics: list[str]) -> dict[str, int]:
    from streams.offsets import group_lag
    lags = {}
    for topic in topics:
        try:
            lags[topic] = group_lag(settings, settings.consumer_group, topic, timeout_s=LAG_TIMEOUT_S)
        except Exception as exc:  # broker away: keep the last values, try again next round
            log.debug("lag of %s not measured: %s", topic, type(exc).__name__)
            break
    for topic, lag in lags.items():
        CONSUMER_LAG.labels(settings.consumer_group, topic).set(lag)
    return lags


def register_metrics_service(app, settings: Settings, logical_topics: Iterable[str]) -> None:
    """A Faust service: /metrics on settings.worker_metrics_port (0: off; a port taken by a
    second worker on the host is logged and skipped) and the lag timer."""
    topics = lag_topics(settings, logical_topics)

    @app.service
    class WorkerMetrics(mode.Service):
        runner: web.AppRunner | None = None

        async def on_start(self) -> None:
            if not settings.worker_metrics_port:
                return
            try:
                self.runner = await serve_metrics(settings.metrics_host, settings.worker_metrics_port)
            except OSError as exc:
                log.error("worker metrics not served: port %s unavailable (%s)",
                          settings.worker_metrics_port, exc.strerror)
                return
            log.info("worker metrics on %s:%d/metrics", settings.metrics_host, settings.worker_metrics_port)

        @mode.Service.task
        async def _measure_lag(self) -> None:
            while not self.should_stop:
                await asyncio.to_thread(measure_lag, settings, topics)
                await self.sleep(LAG_INTERVAL_S)

        async def on_stop(self) -> None:
            if self.runner is not None:
                await self.runner.cleanup()
