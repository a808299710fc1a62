"""The redact agent: calls.transcribed -> calls.redacted. Nothing downstream sees raw text."""
from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from functools import lru_cache

import faust

from agents.redact.engine import build_analyzer, policy_for
from agents.redact.transcript import redact_transcript
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import Consumed, Output, StageRunner, now_ms
from streams.topics import Topic


@lru_cache(maxsize=4)
def analyzer_for(language: str):
    return build_analyzer(language)  # slow (spaCy load): once per language per process


def redact_record(transcript: dict) -> dict:
    ctx = transcript["context"]
    policy = policy_for(transcript["language"] or ctx["language"])
    body = redact_transcript(analyzer_for(policy.language), transcript, policy)
    context = {**ctx, "versions": {**ctx["versions"], "redaction": policy.version}}
    return {**body, "context": context, "audio_uri": transcript["audio_uri"], "redacted_at": now_ms()}


SPEC = StageSpec("redact", "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"},
                 writes=(Topic.REDACTED,))


def register(app: faust.App, settings: Settings, executor: Executor) -> None:
    runner = StageRunner(app, settings, SPEC)

    async def handle(transcript: dict, message: Consumed) -> list[Output]:
        record = await asyncio.get_running_loop().run_in_executor(executor, redact_record, transcript)
        return [Output(settings.topic(Topic.REDACTED), record["context"]["call_id"].encode(),
                       "aica.RedactedTranscript", record)]

    @app.task
    async def load_analyzer_at_start() -> None:  # spaCy + Presidio take seconds to load
        await asyncio.get_running_loop().run_in_executor(executor, analyzer_for, "en")

    @app.agent(runner.source(), name="redact")
    async def redact(stream: faust.StreamT) -> None:
        await runner.run(stream, handle)
