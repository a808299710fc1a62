"""Figures the QA benchmark prints: verdict agreement, not_met recall, fact coverage, WER,
speaker attribution, personal-data leaks and over-redaction. Pure functions over plain data."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher

import jiwer

from agents.redact.numbers import TEENS, TENS, UNITS, normalise_spoken_numbers
from aica.samples import find_leaks

# Words of a planted value that are not personal on their own ("Harbour Street" leaks through
# "Harbour", not through "Street"): every street type, which a transcript says as an ordinary word
# too ("the way", "a crescent moon", "the park").
GENERIC_PII_WORDS = {"street", "road", "avenue", "lane", "close", "gardens", "view", "drive",
                     "court", "way", "place", "terrace", "crescent", "square", "grove", "row", "mews",
                     "walk", "yard", "rise", "wharf", "parade", "quay", "vale", "parkway", "boulevard",
                     "hill", "park", "green",
                     "улица", "проспект", "переулок", "бульвар", "шоссе", "площадь", "набережная", "проезд",
                     "дом", "квартира", "корпус"}
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


# A planted value is found in at most this many words of a transcript (an IBAN dictated in
# letters and digits is about 25).
MAX_VALUE_WORDS = 40
# How a value is said letter by letter: "K as in kilo", "double-L", "j dot okafor at quickmail dot
# com", "R J Tremayne, all one word"; these words carry no characters of the value.
AS_IN = re.compile(r"(?<!\w)(\w) as in \w+", re.IGNORECASE)
DOUBLE_LETTER = re.compile(r"(?<!\w)(?:double|treble|triple)[\s\-]+([a-z])(?!\w)", re.IGNORECASE)
SPOKEN_SYMBOLS = re.compile(r"(?<!\w)(?:dot|at|underscore|hyphen|dash|all one word|точка|собака|"
                            r"нижнее подчёркивание|дефис)(?!\w)", re.IGNORECASE)
MIN_SPOKEN_CHARS = 5  # shorter values would be found inside ordinary words run together
MIN_DIGIT_PIECE = 4  # a passport's series said apart from its number: each piece belongs to it


def _number_word_digits(word: str) -> str:
    """"sixty" -> "60", "twelve" -> "12"; any other word as it is."""
    key = word.casefold()
    if key in TENS:
        return f"{TENS[key]}0"
    return str(TEENS.get(key, UNITS.get(key, word)))


def spoken_characters(text: str) -> str:
    """The letters and digits a stretch of speech dictates: "K as in kilo, E, double-L" -> "kell",
    "j dot okafor at quickmail dot com" -> "jokaforquickmailcom", "сорок пять" -> "45"."""
    text = DOUBLE_LETTER.sub(lambda m: 2 * m.group(1), AS_IN.sub(r"\1", text))
    text = normalise_spoken_numbers(SPOKEN_SYMBOLS.sub(" ", text)).text
    # A lone number word is left as a word by the number reading ("robert dot singh sixty").
    text = re.sub(r"[^\W\d_]+", lambda m: _number_word_digits(m.group()), text)
    return re.sub(r"[\W_]", "", text.casefold().replace("ё", "е"))


def _digits(value: str) -> str | None:
    """A numeric value's digits (a phone, a card, a passport), else None."""
    digits = re.sub(r"[\s\-]", "", value)
    return digits if digits.isdigit() else None


def _digit_piece_spans(digits: str, text: str) -> list[tuple[int, int]]:
    """Spans of the text whose dictated or written digits are a piece of `digits` of at least
    MIN_DIGIT_PIECE (all of it when shorter): the series said apart from the number, a phone's
    leading "oh" that reads as an interjection, "double" and "treble"."""
    normalised = normalise_spoken_numbers(text)
    shortest = min(MIN_DIGIT_PIECE, len(digits))
    spans = []
    for run in re.finditer(r"\d(?:[\s\-.,()]*\d)*", normalised.text):
        places = [run.start() + i for i, ch in enumerate(run.group()) if ch.isdigit()]
        run_digits = "".join(normalised.text[i] for i in places)
        for i in range(len(places)):
            for j in range(len(places), i + shortest - 1, -1):
                if run_digits[i:j] in digits:
                    spans.append(normalised.to_original(places[i], places[j - 1] + 1))
                    break
    return spans


def _value_finders(value: str) -> list:
    """Ways a (non-numeric) planted value is found in a text: as the leak check finds it; the whole
    value as planted ("Harbour Street", whose "Street" the leak check does not look for alone);
    its characters, or a name's, dictated one by one ("K as in kilo, E, O, G, H"). Each is searched
    for on its own: a shortest run of words for one ("j dot okafor at quickmail dot com") is not
    one for another ("okafor")."""
    looked_for, whole = leak_values([value]), value.casefold()
    finders = [lambda text: bool(find_leaks(looked_for, text)), lambda text: whole in text.casefold()]
    spelled = {spoken_characters(part) for part in [value, *value.split()]}
    for characters in sorted(c for c in spelled if len(c) >= MIN_SPOKEN_CHARS):
        finders.append(lambda text, characters=characters: characters in spoken_characters(text))
    return finders


def _shortest_runs(found_in, words: Sequence[str]) -> set[int]:
    """Indices of the words in every shortest run of words in which found_in finds the value."""
    marked: set[int] = set()
    if not found_in(" ".join(words)):
        return marked
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_VALUE_WORDS) + 1):
            if found_in(" ".join(words[start:end])):
                if not found_in(" ".join(words[start + 1:end])):
                    marked.update(range(start, end))
                break
    return marked


def _word_starts(words: Sequence[str]) -> list[int]:
    """Offset of each word in " ".join(words)."""
    starts, offset = [], 0
    for word in words:
        starts.append(offset)
        offset += len(word) + 1
    return starts


def planted_word_indices(planted: Sequence[str], words: Sequence[str]) -> set[int]:
    """Indices of the words that belong to a planted value: for a number, the words that dictate
    a piece of its digits; otherwise every shortest run of words that holds the value (so a
    spelled postcode's letters, an e-mail's "dot" and "at")."""
    found: set[int] = set()
    text, starts = " ".join(words), _word_starts(words)
    for value in planted:
        digits = _digits(value)
        if digits:
            for start, end in _digit_piece_spans(digits, text):
                inside = [i for i, s in enumerate(starts) if s < end and s + len(words[i]) > start]
                found.update(inside)
                # A phone's leading "oh", which the number reading takes for an interjection.
                if digits[0] == "0" and inside[0] and words[inside[0] - 1].casefold().strip(",.") == "oh":
                    found.add(inside[0] - 1)
            continue
        for found_in in _value_finders(value):
            found |= _shortest_runs(found_in, words)
    return found


def removed_word_indices(original: str, redacted: str) -> list[int]:
    """Indices of the original's words (split at spaces) that the redacted text no longer has:
    those a placeholder took the place of."""
    before, after = original.split(), redacted.split()
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    return [i for tag, i1, i2, _, _ in matcher.get_opcodes() if tag in ("replace", "delete")
            for i in range(i1, i2)]


def is_word(token: str) -> bool:
    return bool(WORD.search(token))


def over_redacted_words(planted: Sequence[str], original: str, redacted: str) -> list[str]:
    """Words the redaction removed that belong to no planted value. Words that are personal but
    were not planted (an agent's surname, an older call's policy number) count too: the metric
    cannot tell them from ordinary words; the notes in docs/quality.md say what share is which."""
    words = original.split()
    removed = [i for i in removed_word_indices(original, redacted) if is_word(words[i])]
    if not removed:
        return []
    planted_words = planted_word_indices(planted, words)
    return [words[i] for i in removed if i not in planted_words]


def over_redaction(planted: Sequence[str], transcript: Mapping, redacted: Mapping) -> tuple[list[str], int]:
    """(over-redacted words, all words) of a call, segment by segment (redaction keeps the segments)."""
    over, total = [], 0
    for segment, redacted_segment in zip(transcript.get("segments", ()), redacted.get("segments", ())):
        original = segment.get("text", "")
        total += sum(is_word(w) for w in original.split())
        over += over_redacted_words(planted, original, redacted_segment.get("text", ""))
    return over, total
