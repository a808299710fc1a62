"""Logical topic names, their creation on the broker, and their Faust declarations."""
from __future__ import annotations

import logging
from enum import StrEnum

from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic

from schemas import registry
from streams.settings import Settings
from streams.kafka_clients import kafka_config

log = logging.getLogger(__name__)


class Topic(StrEnum):
    EVENTS = "b24.events.v1"
    INGESTED = "calls.ingested.v1"
    TRANSCRIBED = "calls.transcribed.v1"
    REDACTED = "calls.redacted.v1"
    ANALYZED = "calls.analyzed.v1"
    SCORED = "calls.scored.v1"
    DEADLETTER = "aica.deadletter.v1"
    PARKED = "aica.parked.v1"
    PORTALS = "aica.portals.v1"
    CALL_STATUS = "calls.status.v1"
    PORTAL_SETTINGS = "aica.portal-settings.v1"
    TOKEN_REQUESTS = "aica.token-requests.v1"
    RECONCILE_MARKS = "aica.reconcile-marks.v1"
    RESCORED = "calls.rescored.v1"
    RESCORE_RUNS = "aica.rescore-runs.v1"
    SCORECARDS = "aica.scorecards.v1"
    PORTAL_KEYS = "aica.portal-keys.v1"


# One topic per delay tier (settings.retry_delays_s): every message in a tier waits the same time,
# so FIFO is due order. topics.yaml describes them under this pattern.
RETRY_TIERS = "aica.retry.t{tier}.v1"


def retry_tier_topic(settings: Settings, tier: int) -> str:
    return settings.topic(RETRY_TIERS.format(tier=tier))


def assignor_leader_topic(settings: Settings) -> str:
    """Faust's own leader-election topic (we create topics, faust may not: topic_allow_declare)."""
    return f"{settings.consumer_group}-__assignor-__leader"


def all_topic_names(settings: Settings) -> list[str]:
    names = [settings.topic(t.value) for t in Topic]
    return names + [retry_tier_topic(settings, i) for i in range(len(settings.retry_delays_s))] + [
        assignor_leader_topic(settings)]


# Faust's leader-election topic is not ours to describe in topics.yaml; its messages mean nothing.
LEADER_TOPIC_CONFIG = {"retention.ms": "86400000"}


def _config_for(name: str) -> dict[str, str]:
    spec = registry.topics().get(name, {})
    config: dict[str, str] = {}
    if spec.get("compacted"):
        config["cleanup.policy"] = "compact"
    if "retention_ms" in spec:
        config["retention.ms"] = str(spec["retention_ms"])
    for name, value in (spec.get("compaction") or {}).items():  # e.g. how soon a tombstoned value is gone
        config[name] = str(value)
    return config


def logical_name(settings: Settings, name: str) -> str:
    """`p.aica.retry.t1.v1` -> `aica.retry.t{tier}.v1`: the topics.yaml entry of a broker topic."""
    bare = name[len(settings.topic_prefix):] if name.startswith(settings.topic_prefix) else name
    for tier in range(len(settings.retry_delays_s)):
        if bare == RETRY_TIERS.format(tier=tier):
            return RETRY_TIERS
    return bare


def holds_personal_data(settings: Settings, name: str) -> bool:
    """topics.yaml `personal_data`: raw text that must not be copied to a longer-lived topic."""
    return bool(registry.topics().get(logical_name(settings, name), {}).get("personal_data"))


def retention_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Every topic's config as created: cleanup policy and retention (topics.yaml)."""
    return {name: LEADER_TOPIC_CONFIG if name == assignor_leader_topic(settings)
            else _config_for(logical_name(settings, name)) for name in all_topic_names(settings)}


def apply_retention(admin: AdminClient, settings: Settings, existing: list[str], timeout_s: float) -> None:
    """Set topics.yaml's retention (and compaction bounds) on topics that already exist
    (create_topics only configures new ones), with incremental_alter_configs: other settings of
    the topic are left alone, and so is its cleanup policy."""
    wanted = retention_configs(settings)
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name, incremental_configs=[
        ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)
        for key, value in wanted[name].items() if key != "cleanup.policy"])
        for name in existing if "retention.ms" in wanted.get(name, {})]
    if not resources:
        return
    for resource, future in admin.incremental_alter_configs(resources, request_timeout=timeout_s).items():
        future.result(timeout=timeout_s)
    log.info("retention set on %d existing topics", len(resources))


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create missing topics with their partitions and retention, and set the retention of
    existing ones. Returns the names created."""
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    existing = set(admin.list_topics(timeout=timeout_s).topics)
    configs = retention_configs(settings)
    logical = {settings.topic(t.value): t.value for t in Topic}
    wanted = []
    for name in all_topic_names(settings):
        if name in existing:
            continue
        single = logical.get(name) == Topic.PORTALS or name == assignor_leader_topic(settings)
        partitions = 1 if single else settings.topic_partitions
        wanted.append(NewTopic(name, num_partitions=partitions,
                               replication_factor=settings.topic_replication, config=configs[name]))
    apply_retention(admin, settings, sorted(existing & set(configs)), timeout_s)
    created: list[str] = []
    if not wanted:
        return created
    for name, future in admin.create_topics(wanted, request_timeout=timeout_s).items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except Exception as exc:  # a concurrent creator is fine
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    if created:
        log.info("created topics %s", created)
    return created
