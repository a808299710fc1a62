"""The transcribe stage: calls.ingested -> calls.transcribed.

Which model, language and vocabulary a call gets (`asr_plan`), the version its transcript is
recorded under (`asr_version`), and the thin agent shell around agents.asr.transcribe_file, which
does the decoding."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, NamedTuple

from agents.asr import COMPUTE_TYPE, TranscriptBody, load, transcribe_file
from agents.asr_fallback import LOOP_BEAM
from agents.asr_models import BASE, model_label
from agents.audio import RecordingTooLong, UnreadableAudio
from agents.speakers.roles import ROLE_CUES_VERSION
from streams.settings import Settings
from streams.spec import StageSpec
from streams.topics import Topic

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

# The model a project gets when it names none: tiny.en is English-only, so other languages
# get the multilingual base (settings.asr_model stays the English default, for throughput).
MULTILINGUAL_MODEL = BASE
# Calls the transcribe stage handles at once: one on the (single) ASR thread, one queued behind
# it, so that thread goes from one call to the next without waiting for the stage loop.
ASR_CALLS_IN_FLIGHT = 2


def load_model(settings: Settings, asr_model: str | None = None) -> WhisperModel:
    """The process-wide model of that name (settings.asr_model by default): loaded once, ~1 s."""
    return load(asr_model or settings.asr_model, settings.asr_threads)


def beam_size(settings: Settings, language: str | None) -> int:
    """The decoder's beam for a call in `language`: each language's was measured on its own
    calibrate calls (English with tiny.en, Russian with base); undetected ones get the latter."""
    return settings.asr_beam_size if language == "en" else settings.asr_beam_size_non_english


def first_beam_size(settings: Settings, language: str | None) -> int:
    """The batched decoder's first-pass beam for a call in `language` (0: one pass with the
    beam). Greedy-first was measured on English only; on the Russian demo call (base model) it
    lost a few words the beam kept (WER 0.22-0.34 vs 0.21-0.25 over renderings,
    docs/benchmarks.md, session 5), so other languages, and undetected ones, keep one pass."""
    return settings.asr_first_beam_size if language == "en" else 0


def asr_version(settings: Settings, asr_model: str | None = None, language: str | None = None) -> str:
    """E.g. "faster-whisper==1.2.1/tiny.en/int8/beam2" (the beam of `language`, beam_size;
    + "/batch8/to-end", "/vad" when set, and "/first-beam1" when batched chunks in that language
    are decoded greedily first, else "/loops-beam5" when a chunk that repeats itself is decoded
    again with that beam and no repeated n-gram; "to-end": a chunk that stops early is decoded
    on, agents.asr_fallback.leftover_clip), then the voice model of mono calls' speakers and
    the version of the wording cues that name the agent ("/voices-ge2e/roles-2"), for the
    record's versions map."""
    name = model_label(asr_model or settings.asr_model)
    beam = beam_size(settings, language)
    label = f"faster-whisper=={version('faster-whisper')}/{name}/{COMPUTE_TYPE}/beam{beam}"
    if settings.asr_batch_size > 0:  # batching always cuts at VAD pauses
        first = first_beam_size(settings, language)
        fallback = f"/first-beam{first}" if first and first != beam else ""
        if not fallback:  # a chunk that repeats itself is decoded again (asr_fallback)
            fallback = f"/loops-beam{max(beam, LOOP_BEAM)}"
        label = f"{label}/batch{settings.asr_batch_size}{fallback}/to-end"
    elif settings.asr_vad_mono:
        label = f"{label}/vad"
    return f"{label}/voices-{settings.speaker_voice_model}/roles-{ROLE_CUES_VERSION}"


class AsrPlan(NamedTuple):
    """How one call is transcribed: its project's model, pinned language and vocabulary."""
    model: str
    language: str | None  # None only when nothing pins it: faster-whisper then detects
    hotwords: str | None


def asr_plan(settings: Settings, language: str | None, project: Any = None) -> AsrPlan:
    """The project's own model if it names one; else tiny.en (settings) for English and the
    multilingual base for anything else. The language is the project's, never detected."""
    language = (getattr(project, "language", None) or language) or None
    model = getattr(project, "asr_model", "") or (
        settings.asr_model if language == "en" else MULTILINGUAL_MODEL)
    vocabulary = tuple(getattr(project, "vocabulary", ()) or ())
    return AsrPlan(model, language, ", ".join(vocabulary) or None)


def wall_clock_span(fn: Callable[[], Any]) -> tuple[float, Any, float]:
    """(epoch seconds at the start, fn(), epoch seconds at the end)."""
    started = time.time()
    result = fn()
    return started, result, time.time()


# --- agent shell -------------------------------------------------------------------------------
def call_project(catalog: Any, context: dict) -> Any:
    """The call's project as its portal's catalog defines it; None without a catalog."""
    if catalog is None:
        return None
    if hasattr(catalog, "for_portal"):
        catalog = catalog.for_portal(context["member_id"])
    return catalog.projects.get(context["project"])


SPEC = StageSpec("transcribe", "agents.transcribe", {Topic.INGESTED: "aica.CallIngested"},
                 writes=(Topic.TRANSCRIBED,))


def transcribe_handler(settings: Settings, blobs, executor, catalog: Any = None):
    """The stage's handler: calls.ingested -> calls.transcribed. The model runs on `executor`
    (the worker's model thread). A call's transcript is fixed once produced: kept beside its
    recording and published again on any later delivery (agents.kept_transcripts)."""
    import asyncio
    from functools import partial

    from agents.kept_transcripts import OneDeliveryAtATime, keep_transcript, kept_transcript
    from streams.stage import Output, Reject, Retry, now_ms

    deliveries = OneDeliveryAtATime()

    async def handle(call: dict, message) -> list:
        async with deliveries.turn(call["context"]["call_id"]):
            return await handle_one(call)

    async def handle_one(call: dict) -> list:
        handled_from = time.time()
        ctx = call["context"]
        plan = asr_plan(settings, ctx["language"], call_project(catalog, ctx))
        asr = asr_version(settings, plan.model, plan.language)
        fixed_by = f"{asr}|{plan.language}|{plan.hotwords}"
        context = {**ctx, "versions": {**ctx["versions"], "asr": asr}}
        kept = await asyncio.to_thread(kept_transcript, blobs, call, fixed_by)
        if kept is not None:
            record = {**kept, "context": context}
        else:
            def transcribe() -> TranscriptBody:  # one hop to the ASR thread: model and call
                return transcribe_file(
                    load_model(settings, plan.model), blobs.resolve(call["audio"]["uri"]), plan.language,
                    beam_size(settings, plan.language), hotwords=plan.hotwords, direction=ctx.get("direction") or "unknown",
                    max_duration_s=settings.max_recording_s, batch_size=settings.asr_batch_size,
                    vad_mono=settings.asr_vad_mono, first_beam_size=first_beam_size(settings, plan.language),
                    voice_model=settings.speaker_voice_model)
            try:
                started, body, ended = await asyncio.get_running_loop().run_in_executor(
                    executor, partial(wall_clock_span, transcribe))
            except RecordingTooLong as exc:
                raise Reject(str(exc)) from exc
            except UnreadableAudio as exc:
                raise Reject(f"unreadable recording: {exc}") from exc
            # The ASR thread's span for this call (and when its handling began): the gaps between
            # one call's end and the next one's start are what the pipeline loses against whisper
            # alone while calls queue (bench.pipeline_vs_whisper reads these lines).
            log.info("transcribe: %.1f s of audio; handled from %.3f, ASR thread %.3f-%.3f (epoch s)",
                     body["audio_duration_s"], handled_from, started, ended)
            record = {**body, "context": context, "audio_uri": call["audio"]["uri"], "transcribed_at": now_ms()}
            try:  # before publishing: a crash after the publish must find it
                await asyncio.to_thread(keep_transcript, blobs, call, fixed_by, record)
            except OSError as exc:
                raise Retry(f"cannot keep the transcript ({type(exc).__name__})") from exc
        return [Output(settings.topic(Topic.TRANSCRIBED), ctx["call_id"].encode(), "aica.Transcript", record)]

    return handle


def register(app, settings: Settings, blobs, executor, catalog: Any = None) -> None:
    """calls.ingested -> calls.transcribed. The model runs on the worker's model thread so the
    event loop (heartbeats, other stages) stays responsive. Each call uses its project's model
    (cached per name), pinned language and vocabulary."""
    import asyncio

    from streams.stage import StageRunner

    runner = StageRunner(app, settings, SPEC)
    handle = transcribe_handler(settings, blobs, executor, catalog)

    @app.task
    async def load_model_at_start() -> None:  # the first call should not pay the model load
        projects = getattr(catalog, "projects", {}).values()
        names = {settings.asr_model} | {asr_plan(settings, p.language, p).model for p in projects}
        for name in sorted(names):
            await asyncio.get_running_loop().run_in_executor(executor, load_model, settings, name)

    @app.agent(runner.source(), name="transcribe")
    async def transcribe(stream) -> None:
        # Two in flight: while one call is on the ASR thread, the next is read, checked and
        # queued behind it, and the first one's output is published while the next is decoded.
        await runner.run(stream, handle, in_flight=ASR_CALLS_IN_FLIGHT)
