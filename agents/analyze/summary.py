"""Extractive summary for the rules engine: why the customer called, and how it ended.

Sentences are picked, never written, so the summary holds only redacted transcript text.
"""
from __future__ import annotations

import textwrap

from agents.analyze.transcript import Turn, rule_regex, sentences, turns_of

MAX_SUMMARY_CHARS = 300
# Cue phrases per language (same whole-word regex syntax as scorecard rules).
REASON_CUES: dict[str, tuple[str, ...]] = {
    "en": (r"calling (about|because|regarding|to)", r"I (want|need|would like|wanted|['’]d like) to",
           r"I have (a|an) (problem|issue|question)", r"(problem|issue|trouble) with",
           r"my (order|account|card|bill|invoice|payment|booking|subscription|internet|phone|parcel|package)",
           r"(doesn['’]t|does not|isn['’]t|is not|not) working", r"can you help", r"wondering"),
    "ru": (r"звоню (по поводу|насчёт|насчет|из-за)", r"(хочу|хотел[аи]?|нужно)", r"проблема с",
           r"не работает", r"мо[йяеи] (заказ|счёт|счет|карт\w+|договор)"),
}
OUTCOME_CUES: dict[str, tuple[str, ...]] = {
    "en": (r"(I have|I['’]ve) (now )?\w+ed", r"you(['’]ll| will| should) (receive|get|see)", r"has been \w+",
           r"next steps?", r"(I will|I['’]ll) (send|call|email|follow up|arrange|escalate|process)",
           r"(ticket|reference|case) number", r"refund\w*", r"resolved|fixed"),
    "ru": (r"(оформил|отправил|исправил|вернул)[аи]?", r"в течение", r"номер (заявки|обращения)"),
}
MIN_FALLBACK_WORDS = 5


def _sentences_of(call_turns: list[Turn]) -> list[str]:
    return [t.text[a:b].strip() for t in call_turns for a, b in sentences(t.text) if t.text[a:b].strip()]


def _first_with_cue(candidates: list[str], cues: tuple[str, ...]) -> str | None:
    return next((s for s in candidates if any(rule_regex(c).search(s) for c in cues)), None)


def call_reason(call_turns: list[Turn], language: str) -> str | None:
    """First client sentence with a reason cue, else the first substantial client sentence."""
    said = _sentences_of(turns_of(call_turns, "client"))
    found = _first_with_cue(said, REASON_CUES.get(language, ()))
    if found:
        return found
    return next((s for s in said if len(s.split()) >= MIN_FALLBACK_WORDS and "?" not in s), None)


def call_outcome(call_turns: list[Turn], language: str) -> str | None:
    """Last agent statement with an outcome cue (questions are offers, not outcomes)."""
    said = [s for s in _sentences_of(turns_of(call_turns, "agent")) if "?" not in s]
    return _first_with_cue(list(reversed(said)), OUTCOME_CUES.get(language, ()))


def extractive_summary(call_turns: list[Turn], language: str) -> str:
    reason, outcome = call_reason(call_turns, language), call_outcome(call_turns, language)
    if outcome == reason:  # mono calls: one sentence can satisfy both cue lists
        outcome = None
    half = MAX_SUMMARY_CHARS // 2 - 12
    parts = []
    if reason:
        parts.append("Reason: " + textwrap.shorten(reason, half if outcome else MAX_SUMMARY_CHARS - 8, placeholder="…"))
    if outcome:
        parts.append("Outcome: " + textwrap.shorten(outcome, half if reason else MAX_SUMMARY_CHARS - 9, placeholder="…"))
    return " ".join(parts)[:MAX_SUMMARY_CHARS]
