"""Rules engine (the offline default): scorecard regexes over the redacted transcript.

Speaker attribution: stereo calls carry agent/client labels and a criterion looks only at its
speaker's turns. Mono calls (every segment "unknown") cannot be attributed, so a criterion looks
at all turns: for "present" rules that is a fair reading (scripted phrases are the agent's), but
an "absent" rule (rude words, card read back) could be tripped by the client, so a match on a mono
call gives verdict "na" with the evidence attached for a human to review, never a failure.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

from agents.analyze.summary import extractive_summary
from agents.analyze.transcript import Turn, is_mono, rule_regex, sentence_at, talk_metrics, turns, turns_of
from catalog.projects import Criterion, RuleSet, Scorecard

ENGINE = "rules"
ENGINE_VERSION = "1"
MAX_EVIDENCE = 3


def analyzer_version(scorecard: Scorecard) -> str:
    """Engine version + scorecard ref + digest of its rules, so an edit without a version bump shows."""
    digest = hashlib.sha256(scorecard.model_dump_json().encode()).hexdigest()[:8]
    return f"{ENGINE}-{ENGINE_VERSION}:{scorecard.ref}:{digest}"


def versions(scorecard: Scorecard) -> dict[str, str]:
    return {"analyzer": analyzer_version(scorecard), "scorecard": scorecard.ref}


def match_quote(alternative: tuple[str, ...], text: str) -> str | None:
    """The sentence(s) where every pattern of the alternative matches, or None."""
    found = [rule_regex(p).search(text) for p in alternative]
    if not all(found):
        return None
    quotes = dict.fromkeys(sentence_at(text, m.start()) for m in found)  # ordered, no duplicates
    return " ".join(quotes)


def find_evidence(rules: tuple[tuple[str, ...], ...], candidates: list[Turn]) -> list[dict]:
    evidence = []
    for turn in candidates:
        quote = next((q for alt in rules if (q := match_quote(alt, turn.text))), None)
        if quote:
            evidence.append({"quote": quote, "segment": turn.index, "start": turn.start})
            if len(evidence) == MAX_EVIDENCE:
                break
    return evidence


def in_window(criterion: Criterion, call_turns: list[Turn]) -> list[Turn]:
    call_end = max((t.end for t in call_turns), default=0.0)
    return [t for t in call_turns
            if (criterion.within_first_s is None or t.start < criterion.within_first_s)
            and (criterion.within_last_s is None or t.end >= call_end - criterion.within_last_s)]


def _verdict(criterion: Criterion, verdict: str, rationale: str, evidence: list[dict]) -> dict:
    return {"id": criterion.id, "verdict": verdict, "rationale": rationale, "evidence": evidence}


def _rules_for(ruleset: RuleSet, language: str):
    return ruleset.get(language) or ()


def judge(criterion: Criterion, call_turns: list[Turn], language: str) -> dict:
    rules = _rules_for(criterion.rules, language)
    if not rules:
        return _verdict(criterion, "na", f"no rules for language {language!r}", [])
    condition = _rules_for(criterion.applies_if, language)
    if condition and not find_evidence(condition, call_turns):
        return _verdict(criterion, "na", "not applicable: the topic did not come up", [])
    evidence = find_evidence(rules, in_window(criterion, turns_of(call_turns, criterion.speaker)))
    where = _window_text(criterion)
    if criterion.expect == "present":
        if evidence:
            return _verdict(criterion, "met", f"found{where}", evidence)
        return _verdict(criterion, "not_met", f"no matching phrase{where}", [])
    if not evidence:
        return _verdict(criterion, "met", f"no forbidden phrase{where}", [])
    if is_mono(call_turns):
        return _verdict(criterion, "na", "forbidden phrase on a mono call: speaker unknown, review manually", evidence)
    return _verdict(criterion, "not_met", f"forbidden phrase{where}", evidence)


def _window_text(criterion: Criterion) -> str:
    if criterion.within_first_s:
        return f" in the first {criterion.within_first_s:g}s"
    if criterion.within_last_s:
        return f" in the last {criterion.within_last_s:g}s"
    return ""


def improvements(verdicts: list[dict], scorecard: Scorecard) -> list[str]:
    """One line per unmet criterion, from its advice (its label when no advice is written)."""
    lines = []
    for verdict in verdicts:
        criterion = scorecard.criterion(verdict["id"])
        if verdict["verdict"] == "not_met" and criterion is not None:
            lines.append(criterion.advice or f"Improve: {criterion.label}")
    return lines


def call_language(transcript: Mapping) -> str:
    context = transcript.get("context") or {}
    return transcript.get("language") or context.get("language") or "en"


def analyze_with_rules(transcript: Mapping, scorecard: Scorecard) -> dict:
    """CallAnalysis fields except context/analyzed_at."""
    call_turns = turns(transcript)
    language = call_language(transcript)
    verdicts = [judge(c, call_turns, language) for c in scorecard.criteria]
    return {"engine": ENGINE, "summary": extractive_summary(call_turns, language),
            "improvements": improvements(verdicts, scorecard), "criteria": verdicts,
            "talk": talk_metrics(transcript)}
