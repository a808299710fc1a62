from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

from agents.score import score_call
from catalog.scorecards import Criterion, Scorecard
from schemas import registry

TALK = {"agent_talk_s": 30.0, "client_talk_s": 20.0, "silence_s": 5.0, "segments": 8}


def scorecard(*criteria: Criterion, critical_cap: int = 40) -> Scorecard:
    return Scorecard(id="test", version="3", criteria=criteria, critical_cap=critical_cap)


def crit(cid: str, weight: float = 1, critical: bool = False, compliance: bool = False) -> Criterion:
    return Criterion(id=cid, label=cid.title(), weight=weight, critical=critical, compliance=compliance)


def analysis(**verdicts: str) -> dict:
    return {"engine": "rules", "summary": "Reason: x. Outcome: y.", "improvements": ["Do z."], "talk": TALK,
            "criteria": [{"id": cid, "verdict": v, "rationale": "", "evidence": [{"quote": cid, "segment": 0,
                                                                                   "start": 1.0}]}
                         for cid, v in verdicts.items()]}


def test_score_is_weighted_over_applicable_criteria():
    card = scorecard(crit("a", 1), crit("b", 3))
    assert score_call(analysis(a="not_met", b="met"), card)["score"] == 75
    assert score_call(analysis(a="met", b="not_met"), card)["score"] == 25


def test_na_and_missing_verdicts_leave_the_denominator():
    card = scorecard(crit("a", 1), crit("b", 3), crit("c", 2))
    assert score_call(analysis(a="met", b="na", c="not_met"), card)["score"] == 33  # 1 / (1 + 2)
    result = score_call(analysis(a="met", c="not_met"), card)  # b missing counts as na
    assert result["score"] == 33
    assert [r["verdict"] for r in result["criteria"]] == ["met", "na", "not_met"]
    assert [r["points"] for r in result["criteria"]] == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("met, outcome", [(5, "good"), (4, "good"), (3, "needs_attention"), (2, "poor"), (0, "poor")])
def test_outcome_thresholds(met, outcome):
    card = scorecard(*(crit(f"c{i}") for i in range(5)))
    result = score_call(analysis(**{f"c{i}": "met" if i < met else "not_met" for i in range(5)}), card)
    assert result["score"] == met * 20 and result["outcome"] == outcome


def test_failed_critical_criterion_caps_the_score():
    card = scorecard(crit("rude", 1, critical=True), *(crit(f"c{i}", 2) for i in range(4)), critical_cap=40)
    result = score_call(analysis(rude="not_met", c0="met", c1="met", c2="met", c3="met"), card)
    assert result["outcome"] == "critical_fail" and result["score"] == 40  # uncapped it would be 89
    low = score_call(analysis(rude="not_met", c0="not_met", c1="met", c2="not_met", c3="not_met"), card)
    assert low["outcome"] == "critical_fail" and low["score"] == 22  # already under the cap: unchanged


def test_nothing_applicable_scores_zero_and_asks_for_attention():
    card = scorecard(crit("a"), crit("b", compliance=True))
    result = score_call(analysis(a="na", b="na"), card)
    assert (result["score"], result["outcome"], result["compliance"]) == (0, "needs_attention", "na")


@pytest.mark.parametrize("verdicts, status", [(("met", "met"), "pass"), (("met", "not_met"), "fail"),
                                              (("na", "met"), "pass"), (("na", "na"), "na")])
def test_compliance_comes_only_from_compliance_criteria(verdicts, status):
    card = scorecard(crit("x"), crit("disclosure", compliance=True), crit("card", compliance=True))
    result = score_call(analysis(x="not_met", disclosure=verdicts[0], card=verdicts[1]), card)
    assert result["compliance"] == status


def test_scores_stay_within_bounds_for_every_verdict_combination():
    card = scorecard(crit("a", 0.5), crit("b", 2, critical=True), crit("c", 1, compliance=True), crit("d", 7))
    for combo in itertools.product(("met", "not_met", "na"), repeat=4):
        result = score_call(analysis(**dict(zip("abcd", combo))), card)
        assert 0 <= result["score"] <= 100
        assert (result["outcome"] == "critical_fail") == (combo[1] == "not_met")


def test_fields_are_carried_and_fit_the_call_score_contract():
    card = scorecard(crit("a", 2, critical=True), crit("b", 1, compliance=True))
    source = analysis(a="met", b="not_met")
    result = score_call(source, card)
    assert result["scorecard"] == "test@3"
    assert result["summary"] == source["summary"] and result["improvements"] == source["improvements"]
    assert result["talk"] == TALK
    assert result["criteria"][0] == {"id": "a", "label": "A", "weight": 2.0, "critical": True, "compliance": False,
                                     "verdict": "met", "points": 2.0, "evidence": source["criteria"][0]["evidence"]}
    context = {"call_id": "m.1", "member_id": "m", "domain": "d", "activity_id": 1, "project": "p", "language": "en",
               "direction": "unknown"}
    record = {"context": context, **result, "scored_at": datetime.now(timezone.utc)}
    decoded = registry.decode("aica.CallScore", registry.encode("aica.CallScore", record))
    assert decoded["score"] == 67 and decoded["outcome"] == "needs_attention" and decoded["compliance"] == "fail"
