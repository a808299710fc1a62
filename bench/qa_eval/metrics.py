"""Figures the QA benchmark prints: verdict agreement, not_met recall, fact coverage, WER,
speaker attribution and personal-data leaks. Pure functions over plain data."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import jiwer

from agents.redact.numbers import normalise_spoken_numbers
from aica.samples import find_leaks

# Words of a planted value that are not personal on their own ("Harbour Street" leaks through
# "Harbour", not through "Street").
GENERIC_PII_WORDS = {"street", "road", "avenue", "lane", "close", "gardens", "view", "drive",
                     "улица", "проспект", "дом", "квартира"}
DIGIT_RUN = re.compile(r"\d(?:[\s,.\-]*\d)*")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def agreement(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Share of (label, predicted) pairs that agree; None when there are none."""
    return sum(label == predicted for label, predicted in pairs) / len(pairs) if pairs else None


def not_met_recall(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Of the labels that are not_met, the share predicted not_met."""
    failures = [predicted for label, predicted in pairs if label == "not_met"]
    return sum(p == "not_met" for p in failures) / len(failures) if failures else None


def constant_met(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The baseline: the same labels, every prediction "met"."""
    return [(label, "met") for label, _ in pairs]


def fact_covered(alternatives: Sequence[str], summary: str) -> bool:
    text = summary.casefold()
    return any(a.casefold() in text for a in alternatives)


def fact_coverage(facts: Sequence[Sequence[str]], summary: str) -> tuple[int, int]:
    """(facts found in the summary, facts)."""
    return sum(fact_covered(f, summary) for f in facts), len(facts)


def normalise_words(text: str) -> str:
    """Lower case, no punctuation, numbers as single digits: the script says "four five two six"
    where ASR writes "4526" or "45 26"; neither is a recognition error."""
    text = normalise_spoken_numbers(text.casefold().replace("ё", "е")).text
    text = DIGIT_RUN.sub(lambda m: " " + " ".join(re.sub(r"\D", "", m.group())) + " ", text)
    return " ".join(WORD.findall(text))


def word_error_rate(reference: str, hypothesis: str) -> float:
    reference, hypothesis = normalise_words(reference), normalise_words(hypothesis)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return float(jiwer.wer(reference, hypothesis or "<empty>"))


def transcript_words(transcript: Mapping) -> list[tuple[float, float, str]]:
    """(start, end, speaker) per recognised word; a segment without word timings counts as one."""
    words = []
    for segment in transcript.get("segments", ()):
        timed = segment.get("words") or [{"start": segment["start"], "end": segment["end"]}]
        words += [(float(w["start"]), float(w["end"]), segment.get("speaker", "unknown")) for w in timed]
    return words


def reference_speaker(turns: Sequence[tuple[str, float, float]], moment: float) -> str:
    """Who speaks at `moment`: the turn containing it, else the nearest turn."""
    return min(turns, key=lambda t: 0.0 if t[1] <= moment <= t[2] else min(abs(moment - t[1]), abs(moment - t[2])))[0]


def attribution_accuracy(transcript: Mapping, turns: Sequence[tuple[str, float, float]]) -> tuple[int, int]:
    """(words whose speaker matches the reference turn at their midpoint, words); "unknown" is wrong."""
    words = transcript_words(transcript)
    if not turns:
        return 0, len(words)
    right = sum(speaker == reference_speaker(turns, (start + end) / 2) for start, end, speaker in words)
    return right, len(words)


def leak_values(planted: Iterable[str]) -> list[str]:
    """Planted values as the leak check should look for them (generic address words dropped)."""
    values = []
    for value in planted:
        words = value.split()
        kept = [w for w in words if w.casefold() not in GENERIC_PII_WORDS]
        values.append(" ".join(kept) if kept and len(kept) < len(words) else value)
    return values


def stored_texts(redacted: Mapping, analysis: Mapping, score: Mapping) -> list[str]:
    """Everything a call leaves in stores: redacted segment and word texts, summary, advice, evidence."""
    texts = []
    for segment in redacted.get("segments", ()):
        texts.append(segment.get("text", ""))
        texts.append("".join(w.get("word", "") for w in segment.get("words") or ()))
    texts += [analysis.get("summary", ""), score.get("summary", "")]
    texts += list(analysis.get("improvements", ()))
    for criterion in list(analysis.get("criteria", ())) + list(score.get("criteria", ())):
        texts.append(criterion.get("rationale", ""))
        texts += [e.get("quote", "") for e in criterion.get("evidence", ())]
    return texts


def leaks(planted: Iterable[str], texts: Iterable[str]) -> list[str]:
    """Planted values (as given) found in any of the texts."""
    original = list(planted)
    found = set()
    for text in texts:
        found.update(find_leaks(leak_values(original), text))
    return [value for value, looked_for in zip(original, leak_values(original)) if looked_for in found]
