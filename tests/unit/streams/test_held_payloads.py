"""Raw transcripts must not outlive their one-day topic (issue 10, finding 3): when the redact stage
retries or dead-letters a `calls.transcribed.v1` message, the retry envelope and the dead letter
carry a reference (the call and a blob URI next to its recording), never the transcript; the
retry forwarder and `aica dlq replay` put the original bytes back. Every topic has an explicit
retention, applied to new and existing topics."""
from __future__ import annotations

import faust
import pytest

from blobs.store import LocalBlobStore
from schemas import registry
from streams.dlq import replay_messages
from streams.spec import StageSpec
from streams.stage import Consumed, Reject, Retry, StageRunner
from streams.topics import Topic, all_topic_names, apply_retention, retention_configs, retry_tier_topic

SECRET = "my card number is 4111 1111 1111 1111"
TRANSCRIPT = {
    "context": {"call_id": "m1.5", "member_id": "m1", "domain": "d", "activity_id": 5, "project": "p",
                "language": "en", "direction": "incoming"},
    "audio_uri": "blob://m1/m1.5/rec.mp3", "language": "en", "audio_duration_s": 3.0, "channels": 1,
    "segments": [{"start": 0.0, "end": 3.0, "speaker": "client", "text": SECRET, "words": []}],
    "transcribed_at": 0,
}


class RecordingRunner(StageRunner):
    def __init__(self, settings):
        spec = StageSpec("redact", "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"}, writes=(Topic.REDACTED,))
        super().__init__(faust.App("test-held", broker="memory://"), settings, spec)
        self.sent: list[tuple[str, bytes | None, bytes, dict]] = []

    async def send(self, topic, key, value, headers=None):
        self.sent.append((topic, key, value, headers or {}))


@pytest.fixture
def runner(settings_factory, tmp_path):
    return RecordingRunner(settings_factory(retry_delays_s=[1, 10], topic_prefix="p.", blob_dir=tmp_path / "blobs"))


def transcribed(attempt: int = 0, value: bytes | None = None) -> Consumed:
    return Consumed("p.calls.transcribed.v1", b"m1.5", value or registry.encode("aica.Transcript", TRANSCRIPT),
                    attempt)


def no_secret_in(runner) -> bool:
    return all(SECRET.encode() not in value and b"4111" not in value for _, _, value, _ in runner.sent)


async def test_a_retried_transcript_travels_as_a_reference_and_comes_back_whole(runner):
    async def handle(record, message):
        raise Retry("analyzer busy")

    original = transcribed()
    await runner.process(original, handle)
    [(topic, key, value, _)] = runner.sent
    envelope = registry.decode("aica.RetryEnvelope", value)
    assert topic == retry_tier_topic(runner.settings, 0) and key == b"m1.5" and no_secret_in(runner)
    assert envelope["value"] == b"" and envelope["value_ref"].startswith("blob://m1/m1.5/")
    # stored next to the recording, so a portal purge removes it with the recording
    assert LocalBlobStore(runner.settings.resolved_blob_dir).resolve(envelope["value_ref"]).parent.name == "m1.5"
    await runner.send_back(envelope)
    target, _, resumed, headers = runner.sent[-1]
    assert (target, resumed, headers) == ("p.calls.transcribed.v1", original.value, {"aica-attempt": b"1"})


async def test_a_dead_lettered_transcript_carries_a_reference_and_replays_whole(runner):
    async def handle(record, message):
        raise Reject("cannot redact")

    original = transcribed()
    await runner.process(original, handle)
    [(topic, _, value, _)] = runner.sent
    letter = registry.decode("aica.DeadLetter", value)
    assert topic == "p.aica.deadletter.v1" and no_secret_in(runner)
    assert letter["value"] == b"" and letter["value_ref"] and letter["call_id"] == "m1.5"
    assert replay_messages(runner.settings, [letter]) == [("p.calls.transcribed.v1", b"m1.5", original.value)]


async def test_exhausted_retries_dead_letter_the_reference_too(runner):
    async def handle(record, message):
        raise Retry("still busy")

    await runner.process(transcribed(attempt=2), handle)
    letter = registry.decode("aica.DeadLetter", runner.sent[0][2])
    assert "gave up" in letter["reason"] and letter["value"] == b"" and letter["value_ref"] and no_secret_in(runner)


async def test_undecodable_personal_data_is_dead_lettered_without_its_bytes(runner):
    await runner.process(transcribed(value=b"garbage " + SECRET.encode()), lambda r, m: None)
    letter = registry.decode("aica.DeadLetter", runner.sent[0][2])
    assert letter["value"] == b"" and letter["value_ref"] is None and "not kept" in letter["reason"]
    assert no_secret_in(runner)


async def test_a_held_payload_purged_with_its_portal_is_not_resumed(runner):
    async def handle(record, message):
        raise Retry("busy")

    await runner.process(transcribed(), handle)
    envelope = registry.decode("aica.RetryEnvelope", runner.sent[0][2])
    LocalBlobStore(runner.settings.resolved_blob_dir).purge_portal("m1")
    await runner.send_back(envelope)
    assert len(runner.sent) == 1  # nothing sent back: the data is gone on purpose


def test_every_topic_has_an_explicit_retention(settings_factory):
    settings = settings_factory(topic_prefix="p.")
    configs = retention_configs(settings)
    declared = set(all_topic_names(settings))
    assert set(configs) == declared
    assert all("retention.ms" in config for config in configs.values())
    assert configs["p.calls.transcribed.v1"]["retention.ms"] == "86400000"
    assert configs["p.aica.portals.v1"]["cleanup.policy"] == "compact"
    assert int(configs[retry_tier_topic(settings, 0)]["retention.ms"]) > 0
    assert int(configs["p.aica.deadletter.v1"]["retention.ms"]) > 0


class FakeAdmin:
    """Records what ensure_topics would alter (the broker itself is covered by integration tests)."""

    def __init__(self):
        self.altered = []

    def incremental_alter_configs(self, resources, request_timeout=None):
        from concurrent.futures import Future
        self.altered.extend(resources)
        futures = {}
        for resource in resources:
            done = Future()
            done.set_result(None)
            futures[resource] = done
        return futures


def test_retention_is_applied_to_existing_topics(settings_factory):
    from confluent_kafka.admin import AlterConfigOpType
    settings = settings_factory(topic_prefix="p.")
    admin = FakeAdmin()
    apply_retention(admin, settings, ["p.calls.transcribed.v1", "p.aica.deadletter.v1", "elsewhere"], 5.0)
    altered = {r.name: {e.name: (e.value, e.incremental_operation) for e in r.incremental_configs}
               for r in admin.altered}
    assert set(altered) == {"p.calls.transcribed.v1", "p.aica.deadletter.v1"}
    assert altered["p.calls.transcribed.v1"]["retention.ms"] == ("86400000", AlterConfigOpType.SET)
