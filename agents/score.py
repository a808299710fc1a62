"""Scoring: CallAnalysis verdicts + a versioned scorecard -> CallScore fields.

- score = 100 * (weight of met criteria) / (weight of applicable criteria), rounded; "na" and
  criteria the analysis did not judge are left out of both sums.
- A failed critical criterion makes the outcome critical_fail and caps the score at
  scorecard.critical_cap (default 40, below the needs_attention threshold).
- Nothing applicable (every criterion na): score 0, outcome needs_attention (a human should
  look at a call the scorecard could not judge), compliance na.
- compliance: fail if any compliance criterion is not_met, pass if any is met, else na.
"""
from __future__ import annotations

from collections.abc import Mapping

from catalog.scorecards import Scorecard
from streams.spec import StageSpec
from streams.topics import Topic

OUTCOME_WHEN_NOTHING_APPLIES = "needs_attention"


def criterion_points(verdict: str, weight: float) -> float:
    return weight if verdict == "met" else 0.0


def weighted_score(rows: list[dict]) -> int:
    applicable = [r for r in rows if r["verdict"] != "na"]
    total = sum(r["weight"] for r in applicable)
    if not total:
        return 0
    return max(0, min(100, round(100 * sum(r["points"] for r in applicable) / total)))


def compliance_status(rows: list[dict]) -> str:
    verdicts = {r["verdict"] for r in rows if r["compliance"]}
    if "not_met" in verdicts:
        return "fail"
    return "pass" if "met" in verdicts else "na"


def outcome_for(score: int, rows: list[dict], scorecard: Scorecard) -> str:
    if any(r["critical"] and r["verdict"] == "not_met" for r in rows):
        return "critical_fail"
    if all(r["verdict"] == "na" for r in rows):
        return OUTCOME_WHEN_NOTHING_APPLIES
    if score >= scorecard.thresholds.good:
        return "good"
    return "needs_attention" if score >= scorecard.thresholds.needs_attention else "poor"


def criterion_rows(analysis: Mapping, scorecard: Scorecard) -> list[dict]:
    """One row per scorecard criterion, in scorecard order; verdicts the analysis lacks count as na."""
    judged = {v["id"]: v for v in analysis.get("criteria", ())}
    rows = []
    for c in scorecard.criteria:
        verdict = judged.get(c.id, {})
        name = verdict.get("verdict", "na")
        rows.append({"id": c.id, "label": c.label, "weight": float(c.weight), "critical": c.critical,
                     "compliance": c.compliance, "verdict": name, "points": criterion_points(name, float(c.weight)),
                     "evidence": list(verdict.get("evidence", ()))})
    return rows


def score_call(analysis: Mapping, scorecard: Scorecard) -> dict:
    """CallScore fields except context/scored_at."""
    rows = criterion_rows(analysis, scorecard)
    score = weighted_score(rows)
    outcome = outcome_for(score, rows, scorecard)
    if outcome == "critical_fail":
        score = min(score, scorecard.critical_cap)
    return {"scorecard": scorecard.ref, "score": score, "outcome": outcome,
            "compliance": compliance_status(rows), "summary": analysis.get("summary", ""),
            "improvements": list(analysis.get("improvements", ())), "criteria": rows,
            "talk": dict(analysis["talk"])}


# --- agent shell -----------------------------------------------------------------------------
SPEC = StageSpec("score", "agents.score", {Topic.ANALYZED: "aica.CallAnalysis"}, writes=(Topic.SCORED,))


def register(app, settings, catalog) -> None:
    """calls.analyzed -> calls.scored, keyed by portal: the CRM sink owns a portal per partition."""
    from agents.analyze.agent import project_scorecard
    from streams.stage import Output, StageRunner, now_ms
    from streams.topics import Topic

    runner = StageRunner(app, settings, SPEC)

    async def handle(analysis: dict, message) -> list[Output]:
        scorecard = project_scorecard(catalog, analysis["context"])
        ctx = analysis["context"]
        context = {**ctx, "versions": {**ctx["versions"], "scorecard": scorecard.ref}}
        record = {**score_call(analysis, scorecard), "context": context, "scored_at": now_ms()}
        return [Output(settings.topic(Topic.SCORED), ctx["member_id"].encode(), "aica.CallScore", record)]

    @app.agent(runner.source(), name="score")
    async def score(stream) -> None:
        await runner.run(stream, handle)
