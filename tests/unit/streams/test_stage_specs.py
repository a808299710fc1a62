"""The stage specs are the wiring: the worker registers exactly them, StageRunner refuses an
output a stage did not declare, and `schemas/topics.yaml` says the same as the code."""
from __future__ import annotations

import faust
import pytest

from aica.worker import ALL_STAGES, STAGES
from schemas import registry
from streams.spec import ANY_TOPIC, StageSpec
from streams.stage import Consumed, Output, StageRunner
from streams.topics import RETRY_TIERS, Topic

SPECS = [spec for spec, _ in STAGES]
TOPICS = registry.topics()


def test_every_topic_in_the_code_is_described_and_nothing_else():
    assert set(TOPICS) == {t.value for t in Topic} | {RETRY_TIERS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_what_a_stage_reads_matches_topics_yaml(spec: StageSpec):
    for topic, record in spec.reads.items():
        assert TOPICS[topic]["schema"] == record, f"{spec.name} expects {record} on {topic}"
        assert spec.module in TOPICS[topic]["consumer"], f"topics.yaml: {topic} must name {spec.module} as consumer"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_what_a_stage_writes_matches_topics_yaml(spec: StageSpec):
    for topic in spec.writes:
        if topic != ANY_TOPIC:
            assert spec.module in TOPICS[topic]["producer"], f"topics.yaml: {topic} must name {spec.module} as producer"


def test_the_worker_runs_every_spec_once():
    names = [spec.name for spec in SPECS]
    assert len(names) == len(set(names))
    assert set(names) <= set(ALL_STAGES)


async def test_an_undeclared_output_is_dead_lettered_not_published(settings_factory):
    settings = settings_factory(topic_prefix="p.")
    spec = StageSpec("score", "agents.score", {Topic.ANALYZED: "aica.CrmWebhookEvent"}, writes=(Topic.SCORED,))
    sent = []

    class Runner(StageRunner):
        async def send(self, topic, key, value, headers=None):
            sent.append(topic)

    runner = Runner(faust.App("spec-test", broker="memory://"), settings, spec)
    event = {"event_id": "e", "event": "ONCRMACTIVITYADD", "member_id": "m1", "domain": "d", "entity_id": "7",
             "ts": 1, "received_at": 0, "source": "bitrix24"}

    async def handle(record, message):
        return [Output(settings.topic(Topic.EVENTS), b"k", "aica.CrmWebhookEvent", record)]  # not declared

    await runner.process(Consumed("p.calls.analyzed.v1", b"k", registry.encode("aica.CrmWebhookEvent", event)), handle)
    assert sent == [settings.topic(Topic.DEADLETTER)]
