"""The analyze agent: calls.redacted -> calls.analyzed, with the engine the settings choose."""
from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import Any

import faust

from agents.analyze.llm import analyze_or_fall_back, make_llm_client
from agents.analyze.rules import analyze_many, analyze_with_rules
from agents.analyze.rules import versions as rules_versions
from catalog.projects import ProjectCatalog
from streams.settings import Settings
from streams.spec import StageSpec
from streams.stage import Consumed, Output, Reject, StageRunner, now_ms
from streams.topics import Topic


def project_scorecard(catalog: Any, context: dict) -> Any:
    """The scorecard of the call's project, as that portal's settings define it."""
    if hasattr(catalog, "for_portal"):
        catalog = catalog.for_portal(context["member_id"])
    project = catalog.projects.get(context["project"])
    if project is None:
        raise Reject(f"project {context['project']!r} is not configured")
    return catalog.scorecard(project.scorecard)


class Analyzer:
    def __init__(self, settings: Settings, catalog: ProjectCatalog, executor: Executor | None = None) -> None:
        """executor: where the offline engine runs (sentence embeddings take CPU seconds that
        would stall the event loop); None: the loop's default pool."""
        self.settings, self.catalog, self.executor = settings, catalog, executor
        self.llm = make_llm_client(settings) if settings.analyzer == "llm" else None

    async def analyze(self, transcript: dict) -> tuple[dict, dict[str, str]]:
        scorecard = project_scorecard(self.catalog, transcript["context"])
        if self.llm is None:
            body = await asyncio.get_running_loop().run_in_executor(
                self.executor, analyze_with_rules, transcript, scorecard)
            return body, rules_versions(scorecard)
        return await analyze_or_fall_back(transcript, scorecard, self.llm, self.settings.llm_model,
                                          self.settings.llm_max_tokens)

    async def analyze_many(self, transcripts: list[dict]) -> list[tuple[dict, dict[str, str]]]:
        """analyze() of many calls; the offline engine embeds all their sentences at once."""
        if self.llm is not None:
            return [await self.analyze(t) for t in transcripts]
        scorecards = [project_scorecard(self.catalog, t["context"]) for t in transcripts]
        bodies = analyze_many(list(zip(transcripts, scorecards)))
        return [(body, rules_versions(sc)) for body, sc in zip(bodies, scorecards)]

    async def handle(self, transcript: dict, message: Consumed) -> list[Output]:
        body, versions = await self.analyze(transcript)
        context = {**transcript["context"], "versions": {**transcript["context"]["versions"], **versions}}
        record = {**body, "context": context, "analyzed_at": now_ms()}
        return [Output(self.settings.topic(Topic.ANALYZED), context["call_id"].encode(),
                       "aica.CallAnalysis", record)]


SPEC = StageSpec("analyze", "agents.analyze", {Topic.REDACTED: "aica.RedactedTranscript"},
                 writes=(Topic.ANALYZED,))


def warm_up(catalog: ProjectCatalog, settings: Settings, only: str | None = None) -> None:
    """Every project's (or only the named one's) scorecard examples embedded and classifiers
    fitted now, so that the first call does not pay for them (6-9 CPU-s per language for the
    built-in ones). The vectors are kept in the data directory, so that the next process (a
    restarted worker, each `aica rescore` process) reads them instead."""
    from agents.analyze import embeddings, semantic
    vectors_file = embeddings.example_vectors_file(settings.data_dir / "cache")
    embeddings.load_example_vectors(vectors_file)
    known = embeddings.example_count()
    for name, project in catalog.projects.items():
        if only is None or name == only:
            semantic.warm_up(catalog.scorecard(project.scorecard).criteria, project.language)
    if embeddings.example_count() > known:
        embeddings.save_example_vectors(vectors_file)


def register(app: faust.App, settings: Settings, catalog: ProjectCatalog, executor: Executor | None = None) -> None:
    runner = StageRunner(app, settings, SPEC)
    analyzer = Analyzer(settings, catalog, executor)

    @app.task
    async def embed_examples_at_start() -> None:  # the first call should not pay for the examples
        await asyncio.get_running_loop().run_in_executor(executor, warm_up, catalog, settings)

    @app.agent(runner.source(), name="analyze")
    async def analyze(stream: faust.StreamT) -> None:
        await runner.run(stream, analyzer.handle)
