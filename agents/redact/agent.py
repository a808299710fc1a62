"""The redact agent: calls.transcribed -> calls.redacted. Nothing downstream sees raw text."""
from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from functools import lru_cache
from typing import Any

import faust

from agents.redact.engine import build_analyzer, policy_for
from agents.redact.transcript import redact_transcript
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import Consumed, Output, StageRunner, now_ms
from streams.topics import Topic


@lru_cache(maxsize=4)
def analyzer_for(language: str):
    return build_analyzer(language)  # slow (spaCy / natasha load): once per language per process


def project_keep_terms(catalog: Any, context: dict) -> tuple[str, ...]:
    """The call's project's company and product names (nothing without a catalog)."""
    if catalog is None:
        return ()
    if hasattr(catalog, "for_portal"):
        catalog = catalog.for_portal(context["member_id"])
    project = catalog.projects.get(context["project"])
    return project.redaction_keep_terms if project is not None else ()


def redact_record(transcript: dict, keep_terms: tuple[str, ...] = ()) -> dict:
    ctx = transcript["context"]
    policy = policy_for(transcript["language"] or ctx["language"])
    body = redact_transcript(analyzer_for(policy.language), transcript, policy, keep_terms)
    context = {**ctx, "versions": {**ctx["versions"], "redaction": policy.version}}
    return {**body, "context": context, "audio_uri": transcript["audio_uri"], "redacted_at": now_ms()}


SPEC = StageSpec("redact", "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"},
                 writes=(Topic.REDACTED,))


def register(app: faust.App, settings: Settings, executor: Executor, catalog: Any = None) -> None:
    runner = StageRunner(app, settings, SPEC)

    async def handle(transcript: dict, message: Consumed) -> list[Output]:
        keep_terms = project_keep_terms(catalog, transcript["context"])
        record = await asyncio.get_running_loop().run_in_executor(
            executor, redact_record, transcript, keep_terms)
        return [Output(settings.topic(Topic.REDACTED), record["context"]["call_id"].encode(),
                       "aica.RedactedTranscript", record)]

    @app.task
    async def load_analyzer_at_start() -> None:  # spaCy / natasha + Presidio take seconds to load
        languages = {"en"} | {p.language for p in getattr(catalog, "projects", {}).values()}
        for language in sorted(languages & {"en", "ru"}):
            await asyncio.get_running_loop().run_in_executor(executor, analyzer_for, language)

    @app.agent(runner.source(), name="redact")
    async def redact(stream: faust.StreamT) -> None:
        await runner.run(stream, handle)
