"""A call's transcript is fixed once produced (issue 10): faster-whisper's temperature fallback
samples, so a call redelivered after a crash between the transcribe stage's publish and its offset
commit could be transcribed differently and written to the CRM twice. The stage keeps its output
beside the recording and publishes exactly those bytes again, without running the model."""
from __future__ import annotations

import hashlib
import shutil

import faust
import pytest

import agents.transcribe as transcribe
from blobs.store import LocalBlobStore
from schemas import registry
from streams.stage import Consumed, StageRunner
from streams.topics import Topic


class RecordingRunner(StageRunner):
    """The real stage loop; publishing is recorded instead of sent to a broker."""

    def __init__(self, settings):
        super().__init__(faust.App("test-kept", broker="memory://"), settings, transcribe.SPEC)
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    async def send(self, topic, key, value, headers=None):
        self.sent.append((topic, key, value))


@pytest.fixture
def model_runs(monkeypatch):
    """The real transcribe_file (real tiny.en), wrapped to count its runs."""
    runs: list[str] = []
    real = transcribe.transcribe_file

    def counted(model, path, *args, **kwargs):
        runs.append(str(path))
        return real(model, path, *args, **kwargs)

    monkeypatch.setattr(transcribe, "transcribe_file", counted)
    return runs


def ingested(blobs: LocalBlobStore, recording, name: str = "rec.wav") -> Consumed:
    dest = blobs.call_dir("m1", "m1.5") / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(recording, dest)
    call = {
        "context": {"call_id": "m1.5", "member_id": "m1", "domain": "d.bitrix24.com", "activity_id": 5,
                    "project": "support", "language": "en", "direction": "incoming",
                    "versions": {"ingest": "1"}},
        "audio": {"uri": blobs.uri("m1", "m1.5", name), "sha256": hashlib.sha256(dest.read_bytes()).hexdigest(),
                  "size_bytes": dest.stat().st_size, "content_type": "audio/wav", "file_name": name},
        "ingested_at": 1_700_000_000_000,
    }
    return Consumed(Topic.INGESTED.value, b"m1.5", registry.encode("aica.CallIngested", call))


async def test_a_redelivered_call_republishes_its_first_transcript_without_the_model(
        settings_factory, speak, whisper_model, model_runs):
    settings = settings_factory()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    runner = RecordingRunner(settings)
    handle = transcribe.transcribe_handler(settings, blobs, executor=None)
    call = ingested(blobs, speak("Hello, I would like to cancel my order please."))

    await runner.process(call, handle)
    await runner.process(call, handle)  # redelivered: the worker died before committing

    assert len(model_runs) == 1
    [(topic, key, first), (_, _, second)] = runner.sent
    assert topic == settings.topic(Topic.TRANSCRIBED) and key == b"m1.5"
    assert first == second  # byte-identical, transcribed_at included
    assert "cancel" in " ".join(s["text"] for s in registry.decode("aica.Transcript", first)["segments"]).lower()
    # kept beside the recording (personal data: same directory, so purged with the portal)
    [kept] = [p for p in blobs.call_dir("m1", "m1.5").iterdir() if p.name.startswith("transcript.")]
    assert kept.read_bytes() == first

    blobs.purge_portal("m1")
    await runner.process(ingested(blobs, speak("Hello, I would like to cancel my order please.")), handle)
    assert len(model_runs) == 2  # the kept copy went with the portal's data


async def test_a_new_recording_of_the_call_is_transcribed_again(settings_factory, speak, whisper_model,
                                                               model_runs):
    settings = settings_factory()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    runner = RecordingRunner(settings)
    handle = transcribe.transcribe_handler(settings, blobs, executor=None)

    await runner.process(ingested(blobs, speak("Please call me back tomorrow.", name="a")), handle)
    await runner.process(ingested(blobs, speak("My order never arrived.", name="b")), handle)

    assert len(model_runs) == 2
    texts = [" ".join(s["text"] for s in registry.decode("aica.Transcript", v)["segments"]).lower()
             for _, _, v in runner.sent]
    assert "tomorrow" in texts[0] and "order" in texts[1]


async def test_each_transcribed_call_logs_its_span_on_the_asr_thread(settings_factory, speak, whisper_model,
                                                                     caplog):
    """bench.pipeline_vs_whisper reads these lines to find the gaps between calls on the ASR thread;
    a kept transcript does not use the thread and logs none."""
    import logging
    import time

    from bench.asr_timeline import call_spans
    settings = settings_factory()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    handle = transcribe.transcribe_handler(settings, blobs, executor=None)
    call = ingested(blobs, speak("Please call me back tomorrow."))
    before = time.time()
    with caplog.at_level(logging.INFO, logger="agents.transcribe"):
        await RecordingRunner(settings).process(call, handle)
        await RecordingRunner(settings).process(call, handle)
    [span] = call_spans(caplog.text)
    assert before <= span.handled <= span.start < span.end <= time.time()


class Stream:
    """What StageRunner.run uses of a faust stream."""

    def __init__(self, inputs):
        from types import SimpleNamespace
        self.events_ = [SimpleNamespace(message=SimpleNamespace(topic=c.topic), key=c.key, value=c.value,
                                        headers={}) for c in inputs]
        self.acked, self.enable_acks = [], True

    async def events(self):
        for event in self.events_:
            yield event

    async def ack(self, event):
        self.acked.append(event)


async def test_a_call_delivered_twice_while_both_are_in_flight_is_transcribed_once(
        settings_factory, speak, whisper_model, model_runs):
    """The stage reads ahead (two calls in flight): the second delivery of a call waits for the
    first, finds its kept transcript and publishes the same bytes; other calls do not wait."""
    from concurrent.futures import ThreadPoolExecutor
    settings = settings_factory()
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    runner = RecordingRunner(settings)
    with ThreadPoolExecutor(1) as asr_thread:
        handle = transcribe.transcribe_handler(settings, blobs, executor=asr_thread)
        call = ingested(blobs, speak("Hello, I would like to cancel my order please."))
        stream = Stream([call, call])
        await runner.run(stream, handle, in_flight=transcribe.ASR_CALLS_IN_FLIGHT)

    assert len(model_runs) == 1 and len(stream.acked) == 2
    [(_, _, first), (_, _, second)] = runner.sent
    assert first == second


async def test_deliveries_of_one_call_take_turns_and_leave_nothing_behind():
    import asyncio

    from agents.kept_transcripts import OneDeliveryAtATime
    deliveries, order = OneDeliveryAtATime(), []

    async def deliver(call_id, n):
        async with deliveries.turn(call_id):
            order.append(f"{call_id}{n} in")
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            order.append(f"{call_id}{n} out")

    await asyncio.gather(deliver("a", 1), deliver("a", 2), deliver("b", 1))
    assert order.index("a1 out") < order.index("a2 in")  # one call: one at a time
    assert order.index("b1 in") < order.index("a1 out")  # another call: no waiting
    assert len(deliveries) == 0
