"""Find personal data in a text and replace it with `<ENTITY_TYPE>` placeholders."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from presidio_analyzer import AnalyzerEngine

from agents.redact.call_memory import known_value_pattern, near_name_spellings_ru, near_spellings
from agents.redact.engine import RedactionPolicy
from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.recognizers import DIGIT_RUN
from agents.redact.russian import only_ordinary_words

# The key under which a street's name is remembered for the rest of a call.
STREET_NAME = "STREET_NAME"
# Fallback types lose to a specific type found on the same characters.
FALLBACK_TYPES = frozenset({DIGIT_RUN})
# What a keep term (a company or product name) may cancel: NER guesses, never numbers.
KEEPABLE_TYPES = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})
# spaCy's guesses that need a second look: it reads ordinary lowercase words ("a thirty minute
# lesson", "give us meter readings") and company names ("Kestrel Broadband", "Greenleaf Bank")
# as people or places. The policy keeps organisations.
NER_RECOGNIZER = "SpacyRecognizer"
NER_CHECKED_TYPES = frozenset({"PERSON", "LOCATION"})
ORGANISATION_KINDS = frozenset(
    "bank broadband energy mobile telecom insurance surgery clinic leisure magazines parcels couriers "
    "solar hire motors airways airlines ferries fibre pensions council services society furniture "
    "opticians".split())
# A car's make before a model spaCy takes for a person ("a Ford Fiesta", "my Vauxhall Corsa").
CAR_MAKES = frozenset("ford vauxhall toyota nissan honda volkswagen vw audi bmw mercedes kia hyundai peugeot "
                      "renault citroen fiat skoda seat mazda volvo tesla mini jaguar suzuki".split())
# Said before a name, not part of it: "Morning Grace", "Mrs Patel" keep "Morning" and "Mrs".
BEFORE_A_NAME = frozenset("mr mrs ms miss dr good morning afternoon evening hi hello hey dear thanks".split())
SPAN_WORD = re.compile(r"[^\W\d_][\w'’\-]*")


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
    spans = [(r, ner_span(normalised.text, r.start, r.end, r.entity_type)
              if r.recognition_metadata.get("recognizer_name") == NER_RECOGNIZER else (r.start, r.end))
             for r in results]
    findings = [Finding(*normalised.to_original(*span), r.entity_type, float(r.score))
                for r, span in spans if span and span[1] > span[0]]
    return drop_kept(text, findings, term_spans(text, keep_terms))


def ner_span(text: str, start: int, end: int, entity_type: str) -> tuple[int, int] | None:
    """The span of an NER person or place, less the titles and greetings before a name; None when
    no word in it is capitalised (in a cased text), it names a company ("Greenfield Energy",
    "Greenleaf" before "Bank") or a car's model ("Fiesta" after "Ford")."""
    if entity_type not in NER_CHECKED_TYPES:
        return start, end
    words = list(SPAN_WORD.finditer(text, start, end))
    following = re.match(r" ([^\W\d_]+)", text[end:])
    last_words = [words[-1].group()] if words else []
    if following and following.group(1)[0].isupper():
        last_words.append(following.group(1))
    # Only where the text is cased at all: a lowercase transcript gives no hint.
    uncased_guess = text != text.lower() and not any(w.group()[0].isupper() for w in words)
    before = re.search(r"([^\W\d_]+) $", text[:start])
    car_model = bool(before) and before.group(1).casefold() in CAR_MAKES
    if uncased_guess or car_model or any(w.casefold() in ORGANISATION_KINDS for w in last_words):
        return None
    if entity_type == "PERSON":
        while words and words[0].group().casefold() in BEFORE_A_NAME:
            words.pop(0)
        if not words:
            return None
        start = words[0].start()
    return start, end


def term_spans(text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """Where the terms occur as whole words, case-insensitively."""
    return [(m.start(), m.end()) for term in terms if term.strip()
            for m in re.finditer(rf"(?<!\w){re.escape(term.strip())}(?!\w)", text, re.IGNORECASE)]


def drop_kept(text: str, findings: list[Finding], kept: list[tuple[int, int]]) -> list[Finding]:
    """Keepable findings minus the kept spans; what is left of one still counts if it has a
    word in it ("Daniel Smith" minus "Daniel" leaves "Smith"), unless every word left is an
    ordinary Russian word: NER runs a name on into the next word when ASR drops the full stop
    ("Северный Ветер Меня", "Анна Разговор"), and that word alone names no one."""
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
            if any(ch.isalnum() for ch in text[start:end]) and not (
                    (start, end) != (finding.start, finding.end) and only_ordinary_words(text[start:end])):
                core = text[start:end]
                lead = len(core) - len(core.lstrip(" ,.;:-"))
                trail = len(core) - len(core.rstrip(" ,.;:-"))
                out.append(Finding(start + lead, end - trail, finding.entity_type, finding.score))
    return out


def find_known_values(text: str, known: dict[str, set[str]]) -> list[Finding]:
    """Other mentions of values already found elsewhere in the call ("Collins" alone later); a
    street's name only as written (STREET_NAME), redacted as a place."""
    findings = []
    for entity_type, values in known.items():
        flags = 0 if entity_type == STREET_NAME else re.IGNORECASE
        found_type = "LOCATION" if entity_type == STREET_NAME else entity_type
        for value in values:
            for match in re.finditer(known_value_pattern(value), text, flags):
                findings.append(Finding(match.start(), match.end(), found_type, 0.5))
            if entity_type == "EMAIL_ADDRESS":  # a mailbox's word, as ASR may spell it next time
                findings += [Finding(a, b, found_type, 0.5) for a, b in near_spellings(text, value)]
            if entity_type in ("PERSON", "LOCATION"):  # a Russian name, as ASR may spell it next time
                findings += [Finding(a, b, found_type, 0.5) for a, b in near_name_spellings_ru(text, value)]
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
