"""Every Prometheus metric AICA exposes, declared once (deploy/grafana/aica.json charts them).

Labels stay bounded: stage, topic, reason codes and exception class names come from our own
code; the portal (member_id) label appears only on the REST metrics, where the issue asks for
a per-portal view, and a deployment has as many portals as it has customers.
Served as `/metrics` by the gateway, the dashboard and the worker (`metrics_response`)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

# Pipeline stages run from milliseconds (score) to minutes (transcribing a long call).
STAGE_BUCKETS = (0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

# Gateway
EVENTS_ACCEPTED = Counter("aica_events_accepted_total",
                          "Events the gateway took in, by delivery (acked, spooled, duplicate)", ["delivery"])
EVENTS_REFUSED = Counter("aica_events_refused_total",
                         "Requests the gateway refused, by reason code", ["reason"])
SPOOL_BYTES = Gauge("aica_gateway_spool_bytes", "Bytes waiting in the gateway's disk spool for the broker")

# Stage loop (streams.stage)
STAGE_SECONDS = Histogram("aica_stage_seconds", "Time to handle one message, by stage", ["stage"],
                          buckets=STAGE_BUCKETS)
STAGE_IN_FLIGHT = Gauge("aica_stage_in_flight", "Messages being handled now, by stage", ["stage"])
PARKED = Counter("aica_parked_total", "Messages parked until their portal is re-authorized, by stage",
                 ["stage"])
RETRIES = Counter("aica_retries_total", "Messages sent to a retry tier, by stage and error class",
                  ["stage", "reason_class"])
DEAD_LETTERS = Counter("aica_dead_letters_total", "Messages dead-lettered, by stage and error class",
                       ["stage", "reason_class"])
SHREDDED = Counter("aica_records_shredded_total", "Sealed records skipped because their portal's key was "
                   "deleted by a clean uninstall (streams.sealing), by reader", ["stage"])
CONSUMER_LAG = Gauge("aica_consumer_lag", "Messages not yet committed by the worker group, by topic",
                     ["group", "topic"])

# Transcription (agents.asr): where an ASR call's time goes, against the audio it covered
ASR_PART_SECONDS = Histogram("aica_asr_part_seconds",
                             "Time of one part of transcribing a call on the ASR thread (decode, whisper; "
                             "speakers: the wait for mono calls' voice vectors, made beside whisper, after it)",
                             ["part"], buckets=STAGE_BUCKETS)
ASR_AUDIO_SECONDS = Counter("aica_asr_audio_seconds", "Seconds of audio transcribed")
ASR_FALLBACK_CHUNKS = Counter("aica_asr_fallback_chunks",
                              "Batched speech chunks decoded again: with the wider beam (by its reason), or "
                              "on from where the decoder stopped early (decoded_on)",
                              ["reason"])

# Bitrix24
REST_CALLS = Counter("aica_rest_calls_total",
                     "REST calls to portals, by portal and outcome (ok, rate_limited, unavailable, error)",
                     ["portal", "outcome"])
TOKEN_REFRESHES = Counter("aica_token_refreshes_total", "OAuth token refreshes, by outcome", ["outcome"])

# ClickHouse
CLICKHOUSE_INSERT_SECONDS = Histogram("aica_clickhouse_insert_seconds", "Time of one ClickHouse insert, by table",
                                      ["table"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


@contextmanager
def timed_stage(stage: str) -> Iterator[None]:
    """In-flight count and latency of one message in a stage."""
    in_flight = STAGE_IN_FLIGHT.labels(stage)
    in_flight.inc()
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)
        in_flight.dec()


@contextmanager
def timed_insert(table: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        CLICKHOUSE_INSERT_SECONDS.labels(table).observe(time.perf_counter() - started)


def rest_outcome(exc: BaseException | None) -> str:
    """A REST call's outcome label: ok, the portal's 429 or 503 as such, else the error's kind
    (by class name: bitrix imports this module, not the other way round)."""
    if exc is None:
        return "ok"
    status = getattr(exc, "status", 0)
    if status in (429, 503):
        return str(status)
    return {"RateLimited": "rate_limited", "PortalUnavailable": "unavailable",
            "TokenExpired": "token_expired"}.get(type(exc).__name__, "error")


def exposition() -> bytes:
    return generate_latest(REGISTRY)


async def metrics_response(request: web.Request) -> web.Response:
    """`GET /metrics` in the text format Prometheus scrapes."""
    response = web.Response(body=exposition())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response


async def serve_metrics(host: str, port: int) -> web.AppRunner:
    """A small aiohttp server with only /metrics (the worker's, when it serves no dashboard)."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_response)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    return runner
