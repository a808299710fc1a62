"""Rescoring: a redacted transcript from history judged again under today's scorecard, with the
same analysis and scoring functions as the live stages, and without speech recognition.

Pure per call; the replay that feeds it (which range, which consumer group, resuming) is
`streams.replay`, and the run itself `aica.rescore`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agents.analyze.agent import Analyzer, project_scorecard
from agents.score import score_call
from streams.stage import Output, Reject
from streams.topics import Topic


@dataclass(frozen=True)
class Selection:
    """Which calls of the replayed range a run rescores."""
    member_id: str | None = None
    project: str | None = None

    def wants(self, context: Mapping) -> bool:
        return ((self.member_id is None or context["member_id"] == self.member_id)
                and (self.project is None or context["project"] == self.project))


def scorecard_of(catalog, context: Mapping):
    """The scorecard the call's project uses today (the portal's own settings applied), or None
    when its project no longer exists: such calls are skipped, not failed."""
    try:
        return project_scorecard(catalog, dict(context))
    except Reject:
        return None


async def rescore(redacted: Mapping, analyzer: Analyzer, scored_at_ms: int) -> dict:
    """A CallScore record for one redacted transcript. `scored_at_ms` comes from the replayed
    message (not the clock), so running the same rescore twice writes identical rows."""
    body, versions = await analyzer.analyze(dict(redacted))
    return _score(redacted, analyzer, body, versions, scored_at_ms)


async def rescore_many(redacted: Sequence[Mapping], analyzer: Analyzer, scored_at_ms: Sequence[int]) -> list[dict]:
    """rescore() of many calls at once (identical results; the analysis embeds their sentences
    together, which is what makes a replay fast)."""
    analysed = await analyzer.analyze_many([dict(r) for r in redacted])
    return [_score(r, analyzer, body, versions, at)
            for r, (body, versions), at in zip(redacted, analysed, scored_at_ms)]


def _score(redacted: Mapping, analyzer: Analyzer, body: dict, versions: dict, scored_at_ms: int) -> dict:
    ctx = redacted["context"]
    scorecard = project_scorecard(analyzer.catalog, ctx)
    context = {**ctx, "versions": {**ctx["versions"], **versions, "scorecard": scorecard.ref}}
    return {**score_call(body, scorecard), "context": context, "scored_at": scored_at_ms}


def rescored_output(settings, score: Mapping, write_crm: bool) -> Output:
    """Rescored calls land in ClickHouse beside the old verdicts (calls.rescored.v1); with
    --write-crm they take the live route (calls.scored.v1), through the CRM sink's rate limiter
    and ledger, which never writes an older scorecard version over a newer one."""
    topic = Topic.SCORED if write_crm else Topic.RESCORED
    return Output(settings.topic(topic), score["context"]["member_id"].encode(), "aica.CallScore", dict(score))
