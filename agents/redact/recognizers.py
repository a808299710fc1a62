"""Recognizers for what Presidio's defaults miss in call transcripts.

Dictated numbers arrive as digit runs ("5552184490" after normalisation, "4-1-1-1-..." from
ASR) that fail phone validation when ASR lost a digit; e-mail addresses arrive spoken
("thomas dot reed at example dot com"); street addresses have no spaCy label. Russian has no
spaCy model: patterns plus natasha (agents.redact.russian).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import EmailRecognizer

DIGIT_RUN = "DIGIT_RUN"
MIN_RUN_DIGITS = 7  # shorter runs (prices, times, last four digits) are not identifying
# Digits with at most one space/dash/comma/dot, or ", ", between them: "555 218 4490",
# "4-1-1-1", and Whisper's thousands separators in dictated numbers ("8,916,123,4567").
RUN = re.compile(r"(?<!\w)\+?\d(?:(?:, |[ \-,.])?\d)+(?!\w)")
# Every pattern here must run in linear time on any text (a caller can say "dot" forty times):
# separators cannot be read as part of a word (spoken ones need spaces around them), and
# repeats are bounded (an e-mail has at most 64 characters per part and a few parts), so no
# text can be split between two quantifiers in many ways. tests/unit/agents/test_redact_backtracking.py.
_LOCAL_SEPARATOR = r"(?:\s*[._\-]\s*|\s+(?:dot|underscore|dash|hyphen)\s+)"
_DOMAIN_DOT = r"(?:\s*\.\s*|\s+dot\s+)"
_NUMBER_WORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
                r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
                r"sixty|seventy|eighty|ninety|hundred)")
# A number said after a dotted mailbox is part of it ("jonah dot mercer eighty one at ...", digits
# or a single number word, which agents.redact.numbers leaves as a word: "briggs ninety at ..."); after
# a single word it is not ("I paid 20 at tesco dot com" keeps "paid").
SPOKEN_EMAIL = re.compile(
    rf"\b[a-z0-9]{{1,64}}(?:(?:{_LOCAL_SEPARATOR}[a-z0-9]{{1,64}}){{1,8}}\s+(?:\d{{1,4}}|{_NUMBER_WORD})"
    rf"|(?:{_LOCAL_SEPARATOR}[a-z0-9]{{1,64}}){{0,8}})"
    rf"\s+at\s+[a-z0-9\-]{{1,63}}(?:{_DOMAIN_DOT}[a-z0-9\-]{{1,63}}){{0,4}}"
    rf"{_DOMAIN_DOT}(?:com|net|org|ru|io|info|biz|co|uk|de|eu|us)\b",
    re.IGNORECASE,
)
# "42 Baker Street, apartment 5", "twelve Harbour Street": a house number (digits or words, as
# ASR writes them; "6th Bramley Crescent" where ASR took "six" for an ordinal), one to three words
# and a street type, then an optional flat.
# At most six number words ("one hundred and twenty three"): unbounded, a long run of them
# made every start re-read the rest of the run (quadratic).
_HOUSE_NUMBER = rf"(?:\d+(?:st|nd|rd|th|[a-z])?|{_NUMBER_WORD}(?:[\s\-]+(?:and\s+)?{_NUMBER_WORD}){{0,5}})"
# "a two hour drive", "one more way": quantities, not addresses.
_NOT_A_STREET_NAME = (r"(?:hours?|minutes?|days?|weeks?|months?|years?|miles?|times?|more|other|"
                      r"of|the|a|an|and|or|way|ways|step|steps|lane|lanes)")
# ASR may join the house number and the name with hyphens ("27-mill-way", "11-half-orn drive").
STREET_ADDRESS = re.compile(
    rf"\b{_HOUSE_NUMBER}(?:\s+|-)(?:(?!{_NOT_A_STREET_NAME}\b)[a-z][a-z'’]+(?:\s+|-)){{1,3}}?"
    # An abbreviation keeps its dot ("Baker St."); a full word leaves the full stop to the sentence.
    r"(?:(?:street|road|avenue|lane|drive|boulevard|close|court|way|place|terrace|crescent|square|grove|"
    r"gardens|row|parkway|mews|walk)\b|(?:st|rd|ave|ln|dr|blvd)\b\.?)"
    rf"(?:,?\s*(?:apartment|apt|flat|unit|suite)\.?\s*(?:number\s+)?{_HOUSE_NUMBER})?",
    re.IGNORECASE)
# Street types that are also ordinary words ("view", "park", "green", "hill"): only after a house
# number and capitalised name words ("three Harbour View", "14 Chestnut Rise, flat 2"), as ASR
# writes proper names, so "two car park" or "a nice sea view" stay.
_FLAT = rf"(?i:,?\s*(?:apartment|apt|flat|unit|suite)\.?\s*(?:number\s+)?{_HOUSE_NUMBER})?"
_WORD_STREET_TYPE = (r"(?:View|Hill|Park|Rise|Green|Heights|Parade|Mount|Vale|Quay|Wharf|Yard|Circus|Embankment|"
                     r"Approach|Chase|Fields|Gate|Grange|Meadows?|Mead|Wood|Ridge|Croft|Dale|Passage|Alley|"
                     r"Hollow|Circle|Manor|Broadway|Path|Common|Wynd|Brow|Leys)")
_HYPHENED_STREET_TYPE = (r"(?:rise|hill|heights|parade|mount|vale|quay|wharf|grange|meadows?|mead|croft|dale|"
                         r"chase|manor|ridge|hollow|leys|brow|wynd)")
NAMED_STREET_ADDRESS = re.compile(
    rf"(?<!\w)(?i:{_HOUSE_NUMBER})\s+(?:[A-Z][a-z'’]+\s+){{1,3}}?{_WORD_STREET_TYPE}\b{_FLAT}"
    # ...or in lower case when ASR hyphenates the number to the name ("seven-wheel rise"), with the
    # types that are rarely ordinary words after one ("a 2-car park", "a 3-star view" stay).
    rf"|(?<!\w)(?i:{_HOUSE_NUMBER}-(?:(?!{_NOT_A_STREET_NAME}\b)[a-z][a-z'’]+[\s\-]){{1,3}}?{_HYPHENED_STREET_TYPE})"
    rf"\b{_FLAT}")
RU_PHONE = r"(?<!\w)(?:\+7|8)[\s\-(,]*\d{3}[\s\-),]*\d{3}[\s\-,]*\d{2}[\s\-,]*\d{2}(?!\w)"


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def classify_digit_run(digits: str) -> str | None:
    """CREDIT_CARD for a Luhn-valid 13-19 digit run, DIGIT_RUN for other long runs."""
    if len(digits) < MIN_RUN_DIGITS:
        return None
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return "CREDIT_CARD"
    return DIGIT_RUN


class FinderRecognizer(EntityRecognizer):
    """A recognizer around a finder, text -> [(start, end, entity)], of the entities it names (the
    shapes of references, dictated details and spoken details: agents.redact.references etc.)."""

    def __init__(self, name: str, entities: list[str], find: Callable[[str], list[tuple[int, int, str]]],
                 score: float = 0.7, language: str = "en") -> None:
        self.find, self.score = find, score
        super().__init__(supported_entities=entities, name=name, supported_language=language)

    def load(self) -> None:  # regex only
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [RecognizerResult(entity, start, end, self.score)
                for start, end, entity in self.find(text) if entity in entities]


class DigitRunRecognizer(EntityRecognizer):
    """Any run of 7+ digits: phone, card, account or document number, whatever it is."""

    def __init__(self, supported_language: str = "en", score: float = 0.5) -> None:
        self.score = score
        super().__init__(supported_entities=["CREDIT_CARD", DIGIT_RUN],
                         name=f"DigitRunRecognizer_{supported_language}",
                         supported_language=supported_language)

    def load(self) -> None:  # nothing to load: regex only
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        for match in RUN.finditer(text):
            entity = classify_digit_run(re.sub(r"\D", "", match.group()))
            if entity and entity in entities:
                # A Luhn-valid card outranks Presidio's phone guess on the same digits.
                score = 0.9 if entity == "CREDIT_CARD" else self.score
                results.append(RecognizerResult(entity, match.start(), match.end(), score))
        return results


def spoken_email_recognizer(language: str = "en") -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="EMAIL_ADDRESS", supported_language=language,
        name=f"SpokenEmailRecognizer_{language}",
        patterns=[Pattern("spoken e-mail", SPOKEN_EMAIL.pattern, 0.6)],
        global_regex_flags=re.IGNORECASE | re.DOTALL | re.MULTILINE)


def street_address_recognizer(language: str = "en") -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="ADDRESS", supported_language=language,
        name=f"StreetAddressRecognizer_{language}",
        patterns=[Pattern("house number and street", STREET_ADDRESS.pattern, 0.7)],
        global_regex_flags=re.IGNORECASE)


def bounded_email_recognizer(language: str = "en") -> EmailRecognizer:
    """Presidio's e-mail recognizer with its local part capped at 64 characters (RFC 5321):
    unbounded, a long run of e-mail characters before an "@" ("a-a-a-...@") was re-read from
    every word start in it (quadratic). Same name, so it replaces the predefined one."""
    patterns = [Pattern(p.name, p.regex.replace("{0,}", "{0,62}"), p.score)
                for p in EmailRecognizer.PATTERNS]
    if not all("{0,62}" in p.regex for p in patterns):
        raise RuntimeError("presidio's e-mail pattern changed: re-check it for backtracking")
    return EmailRecognizer(patterns=patterns, supported_language=language)


def named_street_recognizer(language: str = "en") -> PatternRecognizer:
    """Case-sensitive: the street name words must be capitalised (NAMED_STREET_ADDRESS)."""
    return PatternRecognizer(
        supported_entity="ADDRESS", supported_language=language,
        name=f"NamedStreetRecognizer_{language}",
        patterns=[Pattern("house number and named street", NAMED_STREET_ADDRESS.pattern, 0.7)],
        global_regex_flags=re.MULTILINE)
