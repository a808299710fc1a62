"""Find personal data in a text and replace it with `<ENTITY_TYPE>` placeholders."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from presidio_analyzer import AnalyzerEngine

from agents.redact.engine import RedactionPolicy
from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.recognizers import DIGIT_RUN

# Fallback types lose to a specific type found on the same characters.
FALLBACK_TYPES = frozenset({DIGIT_RUN})
# What a keep term (a company or product name) may cancel: NER guesses, never numbers.
KEEPABLE_TYPES = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})


@dataclass(frozen=True)
class Finding:
    """An entity in original-text coordinates. Holds no value, only where it is."""
    start: int
    end: int
    entity_type: str
    score: float


class Span(TypedDict):
    start: int
    end: int
    entity_type: str
    score: float


def find_entities(analyzer: AnalyzerEngine, text: str, policy: RedactionPolicy,
                  keep_terms: tuple[str, ...] = ()) -> list[Finding]:
    """Analyse a copy with dictated numbers as digits; report spans in the original text.
    Names, places and organisations inside a keep term (the company's name) are not reported."""
    if not text.strip():
        return []
    normalised = normalise_spoken_numbers(text)
    results = analyzer.analyze(normalised.text, language=policy.language,
                               entities=list(policy.entities),
                               score_threshold=policy.score_threshold)
    findings = [Finding(*normalised.to_original(r.start, r.end), r.entity_type, float(r.score))
                for r in results if r.end > r.start]
    return drop_kept(text, findings, term_spans(text, keep_terms))


def term_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Where the terms occur as whole words, case-insensitively."""
    return [(m.start(), m.end()) for term in terms if term.strip()
            for m in re.finditer(rf"(?<!\w){re.escape(term.strip())}(?!\w)", text, re.IGNORECASE)]


def drop_kept(text: str, findings: list[Finding], kept: list[tuple[int, int]]) -> list[Finding]:
    """Keepable findings minus the kept spans; what is left of one still counts if it has a
    word in it ("Daniel Smith" minus "Daniel" leaves "Smith")."""
    if not kept:
        return findings
    out = []
    for finding in findings:
        if finding.entity_type not in KEEPABLE_TYPES:
            out.append(finding)
            continue
        pieces = [(finding.start, finding.end)]
        for k_start, k_end in kept:
            pieces = [part for start, end in pieces for part in (
                ((start, end),) if k_end <= start or k_start >= end
                else ((start, k_start), (k_end, end))) if part[1] > part[0]]
        for start, end in pieces:
            if any(ch.isalnum() for ch in text[start:end]):
                core = text[start:end]
                lead = len(core) - len(core.lstrip(" ,.;:-"))
                trail = len(core) - len(core.rstrip(" ,.;:-"))
                out.append(Finding(start + lead, end - trail, finding.entity_type, finding.score))
    return out


def find_known_values(text: str, known: dict[str, set[str]]) -> list[Finding]:
    """Other mentions of values already found elsewhere in the call ("Collins" alone later)."""
    findings = []
    for entity_type, values in known.items():
        for value in values:
            for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE):
                findings.append(Finding(match.start(), match.end(), entity_type, 0.5))
    return findings


def _preferred(a: Finding, b: Finding) -> Finding:
    return max(a, b, key=lambda f: (f.entity_type not in FALLBACK_TYPES, f.score))


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """Union overlapping findings into one, typed by the most specific, then best-scored."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            best = _preferred(last, finding)
            merged[-1] = Finding(last.start, max(last.end, finding.end), best.entity_type,
                                 max(last.score, finding.score))
        else:
            merged.append(finding)
    return merged


def placeholder(entity_type: str) -> str:
    return f"<{entity_type}>"


def apply_redaction(text: str, findings: list[Finding]) -> tuple[str, list[Span]]:
    """Text with each (merged) finding replaced; spans locate the placeholders in it."""
    parts: list[str] = []
    spans: list[Span] = []
    cursor, length = 0, 0
    for finding in merge_findings(findings):
        parts.append(text[cursor:finding.start])
        length += finding.start - cursor
        marker = placeholder(finding.entity_type)
        spans.append(Span(start=length, end=length + len(marker),
                          entity_type=finding.entity_type, score=finding.score))
        parts.append(marker)
        length += len(marker)
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts), spans


def redact_text(analyzer: AnalyzerEngine, text: str, policy: RedactionPolicy,
                keep_terms: tuple[str, ...] = ()) -> tuple[str, list[Span]]:
    return apply_redaction(text, find_entities(analyzer, text, policy, keep_terms))
