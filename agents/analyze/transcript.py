"""Reading a RedactedTranscript: turns, sentences, talk metrics, and the redaction guard."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import regex
from fastavro.validation import ValidationError, validate

from agents.analyze.errors import UnredactedInputError
from schemas import registry

REDACTED_TRANSCRIPT = "aica.RedactedTranscript"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
PLACEHOLDER = re.compile(r"<[A-Z_]+>")  # a value the redaction replaced: "<CREDIT_CARD>"
_LETTERS = re.compile(r"[^\W\d_]+")
# Scorecard patterns are refused at load time when they can backtrack catastrophically
# (catalog.pattern_safety); a static check cannot catch every slow pattern, so each search also
# gives up after this long (a sane pattern needs microseconds on a turn).
RULE_TIMEOUT_S = 0.5
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    index: int  # position in transcript["segments"]; evidence points back to it
    start: float
    end: float
    speaker: str  # agent | client | unknown
    text: str
    words: tuple[tuple[str, float], ...] = ()  # (word as the ASR wrote it, its probability)


def turns(transcript: Mapping) -> list[Turn]:
    return [Turn(i, float(s["start"]), float(s["end"]), s.get("speaker", "unknown"), s["text"].strip(),
                 tuple((w["word"], float(w["probability"])) for w in s.get("words") or ()))
            for i, s in enumerate(transcript.get("segments", ()))]


SURE_WORD_PROBABILITY = 0.35  # below it a word is more likely misheard than not (espeak/piper at 8 kHz)


def heard(turn: Turn, start: int, end: int) -> float | None:
    """How well the ASR heard turn.text[start:end]: the share of its words it gave at least
    SURE_WORD_PROBABILITY, or None when the turn carries no words or its words do not spell its
    text (e.g. a script, no ASR). One misheard word in a short sentence changes its meaning."""
    probabilities = word_probabilities(turn, start, end)
    if not probabilities:
        return None
    return sum(p >= SURE_WORD_PROBABILITY for p in probabilities) / len(probabilities)


def word_probabilities(turn: Turn, start: int, end: int) -> list[float] | None:
    """The ASR's probability of each word of turn.text[start:end], or None when the turn carries
    no words or its words do not spell its text."""
    if not turn.words:
        return None
    joined = "".join(word for word, _ in turn.words)
    if joined.strip() != turn.text:
        return None
    position, probabilities = -(len(joined) - len(joined.lstrip())), []
    for word, probability in turn.words:
        if position + len(word) > start and position < end:
            probabilities.append(probability)
        position += len(word)
    return probabilities


def is_mono(call_turns: list[Turn]) -> bool:
    """No turn is attributed to agent or client: a mono recording without diarization."""
    return not any(t.speaker in ("agent", "client") for t in call_turns)


def turns_of(call_turns: list[Turn], speaker: str) -> list[Turn]:
    """Turns said by `speaker` ("any" = all). On a mono call every turn may be anyone's, so all count."""
    if speaker == "any" or is_mono(call_turns):
        return list(call_turns)
    return [t for t in call_turns if t.speaker == speaker]


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in text (ASR punctuation is the only boundary we have)."""
    spans, begin = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((begin, m.start()))
        begin = m.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    return spans


def words_beside_values(text: str) -> list[str]:
    """The words of `text` outside its placeholders ("So that's <CREDIT_CARD>." -> So, that, s)."""
    return _LETTERS.findall(PLACEHOLDER.sub(" ", text))


def sentence_at(text: str, offset: int) -> str:
    return next((text[a:b] for a, b in sentences(text) if a <= offset < b), text).strip()


@lru_cache(maxsize=4096)
def rule_regex(pattern: str) -> regex.Pattern[str]:
    """A scorecard pattern matched case-insensitively on whole words (so "hell" misses "hello").
    The `regex` module (same syntax as `re`) because its searches can be given a time limit."""
    return regex.compile(rf"(?<!\w)(?:{pattern})(?!\w)", regex.IGNORECASE)


def rule_search(pattern: str, text: str) -> regex.Match[str] | None:
    """rule_regex(pattern).search(text), or None (with a warning naming the pattern, never the
    text) when it takes longer than RULE_TIMEOUT_S."""
    try:
        return rule_regex(pattern).search(text, timeout=RULE_TIMEOUT_S)
    except TimeoutError:
        log.warning("scorecard pattern %r gave up after %.1f s on a turn of %d characters; counted as "
                    "no match: simplify it", pattern, RULE_TIMEOUT_S, len(text))
        return None


# Patterns that refer to their own groups or set flags cannot be joined into one alternation.
_UNJOINABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(|\(\?[aiLmsux-]+[:)]")


@lru_cache(maxsize=1024)
def any_rule_regex(rules: tuple[tuple[str, ...], ...]) -> regex.Pattern[str] | None:
    """One regex that matches a text exactly when some pattern of `rules` does (an alternation of
    them, each on whole words as in rule_regex; the engine backtracks across its branches). Most
    turns match no rule, and one search then replaces one per pattern. None when the patterns
    cannot be joined (back-references, inline flags): check them one by one."""
    patterns = list(dict.fromkeys(p for alternative in rules for p in alternative))
    if not patterns or any(_UNJOINABLE.search(p) for p in patterns):
        return None
    try:
        return regex.compile(rf"(?<!\w)(?:{'|'.join(f'(?:{p})' for p in patterns)})(?!\w)", regex.IGNORECASE)
    except regex.error:  # e.g. the same group name in two patterns
        return None


def screen_matches(screen: regex.Pattern[str] | None, text: str) -> bool:
    """Whether some pattern joined in `screen` (any_rule_regex) may match `text`: True without a
    screen, or when the search runs out of time (the patterns are then tried one by one, each
    under its own limit: rule_search)."""
    if screen is None:
        return True
    try:
        return screen.search(text, timeout=RULE_TIMEOUT_S) is not None
    except TimeoutError:
        return True


def talk_metrics(transcript: Mapping) -> dict:
    """Speech per side and silence. Mono (speaker unknown) speech counts for neither side."""
    call_turns = turns(transcript)
    talk = {"agent": 0.0, "client": 0.0}
    for t in call_turns:
        if t.speaker in talk:
            talk[t.speaker] += max(0.0, t.end - t.start)
    duration = max(float(transcript.get("audio_duration_s") or 0.0), max((t.end for t in call_turns), default=0.0))
    return {"agent_talk_s": round(talk["agent"], 3), "client_talk_s": round(talk["client"], 3),
            "silence_s": round(max(0.0, duration - _speech_covered(call_turns)), 3),
            "segments": len(call_turns)}


def _speech_covered(call_turns: list[Turn]) -> float:
    """Length of the union of turn intervals (overlapping speech is not double-counted)."""
    covered, reach = 0.0, float("-inf")
    for t in sorted(call_turns, key=lambda t: t.start):
        start = max(t.start, reach)
        if t.end > start:
            covered += t.end - start
        reach = max(reach, t.end)
    return covered


def ensure_redacted(record: object) -> None:
    """Refuse anything that is not a well-formed RedactedTranscript whose entity spans point at
    placeholders: raw Transcript records (or free text) must never reach a remote model."""
    if not isinstance(record, Mapping):
        raise UnredactedInputError(f"expected a {REDACTED_TRANSCRIPT} record, got {type(record).__name__}")
    try:
        validate(dict(record), registry.current()[REDACTED_TRANSCRIPT].parsed, raise_errors=True)
    except ValidationError as exc:
        # Only field names: the datum itself may hold personal data.
        fields = sorted({str(e.field) for e in exc.errors})
        raise UnredactedInputError(f"not a {REDACTED_TRANSCRIPT}: invalid fields {fields}") from None
    segments = record["segments"]
    for span in record["entities"]:
        seg = span["segment"]
        if not 0 <= seg < len(segments) or segments[seg]["text"][span["start"]:span["end"]] != f"<{span['entity_type']}>":
            raise UnredactedInputError(f"entity span {span['entity_type']} in segment {seg} does not point at its placeholder")
