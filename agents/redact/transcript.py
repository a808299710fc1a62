"""Redact a whole transcript: segment texts and timed words, keeping every timestamp.

Entities are found per segment (one spanning two segments is not joined), then any value found
in one segment is also redacted where it recurs in others: a surname the NER caught once is
caught everywhere in the call.
"""
from __future__ import annotations

from typing import Any

from presidio_analyzer import AnalyzerEngine

from agents.redact.engine import RedactionPolicy
from agents.redact.text import (Finding, apply_redaction, find_entities, find_known_values,
                                merge_findings)

KNOWN_VALUE_TYPES = ("PERSON", "EMAIL_ADDRESS")
MIN_NAME_PART = 3  # "Jo" alone would hit too many ordinary words


def collect_known_values(text: str, findings: list[Finding]) -> dict[str, set[str]]:
    """Values to look for in the rest of the call: full names and their capitalised parts."""
    known: dict[str, set[str]] = {}
    for finding in findings:
        if finding.entity_type not in KNOWN_VALUE_TYPES:
            continue
        value = text[finding.start:finding.end]
        values = known.setdefault(finding.entity_type, set())
        values.add(value)
        if finding.entity_type == "PERSON":
            values.update(p for p in value.split()
                          if len(p) >= MIN_NAME_PART and p.isalpha() and p[0].isupper())
    return known


def _shift(findings: list[Finding], offset: int, limit: int) -> list[Finding]:
    return [Finding(max(f.start + offset, 0), min(f.end + offset, limit), f.entity_type, f.score)
            for f in findings if f.end + offset > 0 and f.start + offset < limit]


def redact_words(words: list[dict[str, Any]], findings: list[Finding]) -> list[dict[str, Any]]:
    """Findings are offsets in "".join(word texts). Consecutive words covered by the same
    entity become one placeholder word from the first word's start to the last word's end."""
    merged = merge_findings(findings)
    positions, cursor = [], 0
    for word in words:
        positions.append(cursor)
        cursor += len(word["word"])
    groups: list[tuple[list[int], set[int]]] = []  # (word indices, finding indices)
    for i, word in enumerate(words):
        core_start = positions[i] + len(word["word"]) - len(word["word"].lstrip())
        core_end = positions[i] + len(word["word"])
        hits = {k for k, f in enumerate(merged) if f.start < core_end and f.end > core_start}
        if not hits:
            groups.append(([i], set()))
        elif groups and groups[-1][1] & hits:
            groups[-1][0].append(i)
            groups[-1][1].update(hits)
        else:
            groups.append(([i], hits))
    out = []
    for indices, hits in groups:
        first, last = words[indices[0]], words[indices[-1]]
        if not hits:
            out.append(dict(first))
            continue
        group_text = "".join(words[i]["word"] for i in indices)
        local = _shift([merged[k] for k in sorted(hits)], -positions[indices[0]], len(group_text))
        out.append({"start": first["start"], "end": last["end"],
                    "word": apply_redaction(group_text, local)[0],
                    "probability": min(words[i]["probability"] for i in indices)})
    return out


def _word_findings(analyzer: AnalyzerEngine, segment: dict[str, Any], findings: list[Finding],
                   policy: RedactionPolicy, known: dict[str, set[str]]) -> list[Finding]:
    """Findings in word-text coordinates; re-analyse only if the words do not spell the text."""
    word_text = "".join(w["word"] for w in segment["words"])
    if word_text.strip() == segment["text"]:
        lead = len(word_text) - len(word_text.lstrip())
        return _shift(findings, lead, len(word_text))
    return find_entities(analyzer, word_text, policy) + find_known_values(word_text, known)


def redact_transcript(analyzer: AnalyzerEngine, transcript: dict[str, Any],
                      policy: RedactionPolicy) -> dict[str, Any]:
    """aica.RedactedTranscript fields except context, audio_uri and redacted_at."""
    segments = transcript["segments"]
    first_pass = [find_entities(analyzer, s["text"], policy) for s in segments]
    known: dict[str, set[str]] = {}
    for segment, findings in zip(segments, first_pass):
        for entity_type, values in collect_known_values(segment["text"], findings).items():
            known.setdefault(entity_type, set()).update(values)
    out_segments, entities = [], []
    for index, (segment, findings) in enumerate(zip(segments, first_pass)):
        findings = findings + find_known_values(segment["text"], known)
        text, spans = apply_redaction(segment["text"], findings)
        words = redact_words(segment["words"],
                             _word_findings(analyzer, segment, findings, policy, known))
        out_segments.append({"start": segment["start"], "end": segment["end"],
                             "speaker": segment["speaker"], "text": text, "words": words})
        entities.extend({"segment": index, **span} for span in spans)
    return {"language": transcript["language"], "audio_duration_s": transcript["audio_duration_s"],
            "channels": transcript["channels"], "segments": out_segments, "entities": entities}
