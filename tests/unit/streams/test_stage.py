"""StageRunner routing: outputs published, transient failures parked on delay tiers with their
attempt count, permanent failures and exhausted retries dead-lettered with the reason."""
from __future__ import annotations

import faust
import pytest

from schemas import registry
from streams.stage import Consumed, Output, Reject, Retry, StageRunner, is_transient
from streams.spec import ANY_TOPIC, StageSpec
from streams.topics import Topic, retry_tier_topic

EVENT = {"event_id": "e", "event": "ONCRMACTIVITYADD", "member_id": "m1", "domain": "d", "entity_id": "7",
         "ts": 1, "received_at": 0, "source": "bitrix24"}


class RecordingRunner(StageRunner):
    def __init__(self, settings):
        spec = StageSpec("ingest", "agents.ingest", {Topic.EVENTS: "aica.CrmWebhookEvent"}, writes=(ANY_TOPIC,))
        super().__init__(faust.App("test-stage", broker="memory://"), settings, spec)
        self.sent: list[tuple[str, bytes | None, bytes, dict]] = []

    async def send(self, topic, key, value, headers=None):
        self.sent.append((topic, key, value, headers or {}))


@pytest.fixture
def runner(settings_factory):
    return RecordingRunner(settings_factory(retry_delays_s=[1, 10, 60], topic_prefix="p."))


def consumed(attempt=0, value=None):
    return Consumed("p.b24.events.v1", b"m1", value or registry.encode("aica.CrmWebhookEvent", EVENT), attempt)


async def test_outputs_are_encoded_and_published(runner):
    out = {**EVENT, "event_id": "e2"}

    async def handle(record, d):
        assert record["entity_id"] == "7"
        return [Output("p.next", b"k", "aica.CrmWebhookEvent", out)]

    await runner.process(consumed(), handle)
    [(topic, key, value, _)] = runner.sent
    assert (topic, key) == ("p.next", b"k")
    assert registry.decode("aica.CrmWebhookEvent", value)["event_id"] == "e2"


async def test_a_marker_runs_only_after_its_output_is_published_and_before_the_next(runner):
    seen = []

    async def mark():
        seen.append([topic for topic, *_ in runner.sent])

    async def handle(record, d):
        return [Output("p.first", b"k", "aica.CrmWebhookEvent", EVENT, after_published=mark),
                Output("p.second", b"k", "aica.CrmWebhookEvent", EVENT)]

    await runner.process(consumed(), handle)
    assert seen == [["p.first"]]
    assert [topic for topic, *_ in runner.sent] == ["p.first", "p.second"]


async def test_a_failing_marker_retries_the_input_instead_of_acking_it(runner):
    def mark():
        raise ConnectionError("marker store down")

    async def handle(record, d):
        return [Output("p.first", b"k", "aica.CrmWebhookEvent", EVENT, after_published=mark)]

    await runner.process(consumed(), handle)
    assert [topic for topic, *_ in runner.sent] == ["p.first", retry_tier_topic(runner.settings, 0)]


async def test_transient_failure_goes_to_the_tier_for_its_attempt(runner):
    async def handle(record, d):
        raise Retry("recording not attached yet")

    await runner.process(consumed(attempt=1), handle)
    [(topic, key, value, _)] = runner.sent
    assert topic == retry_tier_topic(runner.settings, 1)
    envelope = registry.decode("aica.RetryEnvelope", value)
    assert envelope["attempt"] == 2
    assert envelope["target_topic"] == "p.b24.events.v1"
    assert envelope["value"] == consumed().value
    assert "not attached" in envelope["reason"]


async def test_last_tier_is_reused_up_to_max_attempts(runner):
    async def handle(record, d):
        raise Retry("still waiting", max_attempts=6)

    await runner.process(consumed(attempt=4), handle)
    assert runner.sent[0][0] == retry_tier_topic(runner.settings, 2)


async def test_exhausted_retries_are_dead_lettered_with_reason(runner):
    async def handle(record, d):
        raise ConnectionError("portal down")

    await runner.process(consumed(attempt=3), handle)
    [(topic, _, value, _)] = runner.sent
    assert topic == "p.aica.deadletter.v1"
    letter = registry.decode("aica.DeadLetter", value)
    assert letter["reason"].startswith("gave up after 3 retries: portal down")
    assert letter["member_id"] == "m1" and letter["stage"] == "ingest"


async def test_permanent_failure_is_dead_lettered_at_once(runner):
    async def handle(record, d):
        raise Reject("portal not installed")

    await runner.process(consumed(), handle)
    letter = registry.decode("aica.DeadLetter", runner.sent[0][2])
    assert (letter["error_type"], letter["reason"], letter["attempts"]) == ("Reject", "portal not installed", 0)


async def test_a_bug_is_dead_lettered_not_lost(runner):
    async def handle(record, d):
        return record["missing"]

    await runner.process(consumed(), handle)
    assert registry.decode("aica.DeadLetter", runner.sent[0][2])["error_type"] == "KeyError"


async def test_an_output_that_breaks_its_contract_is_dead_lettered_without_its_values(runner):
    async def handle(record, d):
        good = Output("p.next", b"k", "aica.CrmWebhookEvent", EVENT)
        return [good, Output("p.next", b"k", "aica.CrmWebhookEvent", {**EVENT, "domain": {"name": "Ivan Petrov"}})]

    await runner.process(consumed(), handle)
    [(topic, _, value, _)] = runner.sent  # nothing half-published before the failure
    letter = registry.decode("aica.DeadLetter", value)
    assert topic == "p.aica.deadletter.v1" and letter["error_type"] == "SchemaError"
    assert "domain" in letter["reason"] and "Ivan" not in letter["reason"]


async def test_undecodable_bytes_are_dead_lettered_unchanged(runner):
    called = []

    async def handle(record, d):
        called.append(record)
        return []

    await runner.process(consumed(value=b"not avro at all"), handle)
    letter = registry.decode("aica.DeadLetter", runner.sent[0][2])
    assert not called
    assert letter["value"] == b"not avro at all" and letter["error_type"] == "SchemaError"


def test_transient_classification():
    class PortalBusy(Exception):
        transient = True
    assert is_transient(TimeoutError()) and is_transient(PortalBusy()) and is_transient(Retry("x"))
    assert not is_transient(ValueError()) and not is_transient(Reject("x"))


async def test_reauth_required_parks_the_message_keyed_by_portal(runner):
    from bitrix.errors import ReauthRequired

    async def handle(record, d):
        raise ReauthRequired("invalid_grant", "refresh token revoked", 400)

    await runner.process(consumed(attempt=2), handle)
    [(topic, key, value, _)] = runner.sent
    assert (topic, key) == ("p.aica.parked.v1", b"m1")
    envelope = registry.decode("aica.RetryEnvelope", value)
    assert envelope["target_topic"] == "p.b24.events.v1" and envelope["attempt"] == 2


async def test_analysis_errors_are_routed_by_kind(runner):
    from agents.analyze import AnalysisError, TransientAnalysisError

    async def llm_timeout(record, d):
        raise TransientAnalysisError("LLM timed out")

    async def invalid_reply(record, d):
        raise AnalysisError("reply is not valid JSON")

    await runner.process(consumed(), llm_timeout)
    await runner.process(consumed(), invalid_reply)
    assert runner.sent[0][0] == retry_tier_topic(runner.settings, 0)
    letter = registry.decode("aica.DeadLetter", runner.sent[1][2])
    assert (letter["error_type"], letter["reason"]) == ("AnalysisError", "reply is not valid JSON")


async def test_a_flood_of_dead_letters_stops_the_stage_instead(settings_factory):
    from streams.dlq_limit import DeadLetterFlood
    runner = RecordingRunner(settings_factory(dlq_max_consecutive=3, dlq_max_ratio=0))

    async def broken(record, d):
        raise Reject("every input fails: a bug, not bad input")

    for _ in range(2):
        await runner.process(consumed(), broken)
    with pytest.raises(DeadLetterFlood, match="stage ingest stopped: 3 consecutive"):
        await runner.process(consumed(), broken)
    assert len(runner.sent) == 2  # the third was not dead-lettered

    async def fine(record, d):
        return [Output("p.next", b"k", "aica.CrmWebhookEvent", EVENT)]

    with pytest.raises(DeadLetterFlood):  # stays stopped: nothing more is published or acked
        await runner.process(consumed(), fine)
    assert len(runner.sent) == 2


async def test_successes_and_retries_keep_the_stage_running(settings_factory):
    runner = RecordingRunner(settings_factory(dlq_max_consecutive=3, dlq_max_ratio=0.5,
                                              dlq_ratio_window=10, dlq_ratio_min_outcomes=4))
    # 2 dead letters, 3 successes, 2 retries (which count for neither) in every 7 inputs.
    outcomes = iter([Reject("bad"), None, Retry("later"), Retry("later"), Reject("bad"), None, None] * 5)

    async def handle(record, d):
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome
        return [Output("p.next", b"k", "aica.CrmWebhookEvent", EVENT)]

    for _ in range(35):
        await runner.process(consumed(), handle)
    assert runner.flood.tripped is None


class FakeStream:
    """What StageRunner.run uses of a faust stream: events() and ack()."""

    def __init__(self, events):
        self._events, self.acked, self.enable_acks = events, [], True

    async def events(self):
        for event in self._events:
            yield event

    async def ack(self, event):
        self.acked.append(event)


def fake_events(n):
    from types import SimpleNamespace
    message = SimpleNamespace(topic="p.b24.events.v1")
    return [SimpleNamespace(message=message, key=b"m1", value=consumed().value, headers={}) for _ in range(n)]


@pytest.mark.parametrize(("in_flight", "inputs"), [(1, 4), (2, 6)])
async def test_a_flood_crashes_the_app_once_and_leaves_the_input_that_tripped_it_unacked(settings_factory, in_flight,
                                                                                       inputs):
    # With two in flight, the second failure of the pair must not crash the app a second time.
    from streams.dlq_limit import DeadLetterFlood
    runner = RecordingRunner(settings_factory(dlq_max_consecutive=2, dlq_max_ratio=0))
    crashes = []

    async def crash(reason):
        crashes.append(reason)
    runner.app.crash = crash
    events = fake_events(inputs)
    stream = FakeStream(events)

    async def broken(record, d):
        raise Reject("bad")

    with pytest.raises(DeadLetterFlood):
        await runner.run(stream, broken, in_flight=in_flight)
    assert stream.acked == events[:1] and len(runner.sent) == 1
    assert len(crashes) == 1 and isinstance(crashes[0], DeadLetterFlood)


async def test_with_two_in_flight_the_next_input_is_taken_up_while_one_is_handled(runner):
    """The transcribe stage's read-ahead: the second call is ready (and queued on the ASR thread)
    before the first is done. Here the first input cannot finish until the second has begun."""
    import asyncio
    events = fake_events(3)
    stream = FakeStream(events)
    second_begun = asyncio.Event()
    begun = []

    async def handle(record, d):
        begun.append(len(begun))
        if begun[-1] == 0:
            await second_begun.wait()
        else:
            second_begun.set()
        return [Output("p.next", b"k", "aica.CrmWebhookEvent", EVENT)]

    await asyncio.wait_for(runner.run(stream, handle, in_flight=2), timeout=60)  # a guard, not a timing
    assert begun == [0, 1, 2] and len(runner.sent) == 3
    assert sorted(map(id, stream.acked)) == sorted(map(id, events))  # all acked; the first after the second
