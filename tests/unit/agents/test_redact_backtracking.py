"""No redaction or analysis pattern backtracks catastrophically (issue 10, finding 5).

Each pattern is run on inputs built to make a backtracking engine re-read text (a spoken
separator said forty times, long runs of number words, e-mail characters or hyphens with no end)
in a child process that is killed after BOUND_S. A linear pattern needs milliseconds here; the
patterns this replaced needed minutes (exponential) or tens of seconds (quadratic) on the same
inputs, so a timeout is a regression, not a slow machine. Python's `re` cannot be interrupted
inside a match, hence the process.
"""
from __future__ import annotations

import json
import random
import re
import string
import subprocess
import sys

import pytest
import regex

import agents.analyze.reply_checks as reply_checks
import agents.analyze.summary as summary
import agents.analyze.summary_cues as summary_cues
import agents.analyze.transcript as analyze_transcript
import agents.redact.answered as answered
import agents.redact.dictated as dictated
import agents.redact.identity as identity
import agents.redact.numbers as numbers
import agents.redact.recognizers as recognizers
import agents.redact.references as references
import agents.redact.russian as russian
import agents.redact.spoken_details as spoken_details
import agents.redact.transcript as redact_transcript

BOUND_S = 10.0
N = 40_000  # characters per pathological input
MATCH_ALL = """
import json, re, sys, regex
job = json.load(sys.stdin)
engine = regex if job["engine"] == "regex" else re
pattern = engine.compile(job["pattern"], job["flags"])
for text in job["inputs"]:
    for _ in pattern.finditer(text):
        pass
"""


def repeat(unit: str, tail: str = "", n: int = N) -> str:
    return unit * (n // len(unit)) + tail


# Inputs that hit the structure of each risky pattern (the old ones took minutes on these).
SPOKEN = ["dot" * 40, repeat("dot"), repeat("dot "), repeat("dot ", " at"), repeat("a dot ", " at x"),
          repeat("a.", " at"), repeat("a-", " at example"), repeat("x at y dot ", "zz")]
STREET = [repeat("one "), repeat("one ", "!"), repeat("twenty one "), repeat("1 one ", " at"),
          repeat("one hundred and "), repeat("one-"), repeat("1-one-", "x"), repeat("seven-wheel ")]
EMAIL = [repeat("a-", "@"), repeat("a.", "@"), repeat("a_", "@x"), repeat("a@b-", "")]
RUSSIAN = [repeat("-"), repeat("а"), "зовут" + " " * N + "x", repeat("улица "), repeat("дом 1 "), repeat("1 кв "),
           "номер" + "1" * N + "a"]
NAMES = [repeat("It's Helen "), repeat("Helen Price "), repeat("Helen ", "fifth of"), repeat("thank you Helen "),
         repeat("Mr "), repeat("Two Harbour "), repeat("Harbour View ")]
SPELLED = [repeat("Q "), repeat("Q R 1 ", "x"), repeat("1 - ", "Qx"), repeat("A, 1", "!"), repeat("AB1"),
           repeat("A-1", "x"), repeat("ABC", "12345"), repeat("A-"), repeat("A."), repeat("A "),
           repeat("Helen, ABCD "), repeat("Helen, that's "), repeat("that's ABCD "), repeat("price PRYCE "),
           repeat("ABCDE"), repeat("Whitlow. That's ")]
BIRTH_DATES = [repeat("May "), repeat("May, sixty "), repeat("May sixty-", "x"), repeat("1/1/"),
               repeat("March 65, Julia for "), repeat("June, Ann x-"), "June, Ann " + "x" * N]
CHUNKS = [repeat("L S six, "), repeat("A. "), repeat("K7M2R9 "), repeat("one - "), repeat("AB1", "."),
          repeat("for a D "), repeat("to D. Shaw ")]
DICTATED = [repeat("A as in "), repeat("K as in kilo, "), repeat("double-"), repeat("double L "), repeat("a b "),
            repeat("a b", "-"), repeat("apartment 4 b "), repeat("flat 1 x "), repeat("a.yahoo."), repeat("AB 1 "),
            repeat("AB12 "), repeat("MTR 1 "), repeat("Y G 6 8 "), repeat("unit 4 x "), repeat("P O box "),
            repeat("a, "), repeat("a b all one word "), repeat("one word at x dot ")]
SPOKEN_DETAILS = [repeat("sort code "), repeat("sort code 12 "), repeat("12-"), repeat("12, "), repeat("12 ", "1"),
                  repeat("password is "), repeat("password is a "), repeat("memorable word's x "),
                  repeat("on Larks "), repeat("on Larks per "), repeat("to Row "), repeat("on marks per "), repeat("on a b "), repeat("I've got Helen Price "),
                  repeat("I've got Ann Lee at "), repeat("It's a "), repeat("a L4 "), repeat("ABC "), repeat("C02X ")]
DIGITS = [repeat("1", "a"), repeat("1 ", "a"), repeat("1,", "x"), "8" + " " * N]
random.seed(10)
PROSE = ["".join(random.choice(string.ascii_lowercase + " ") for _ in range(N)), repeat("abcd "),
         repeat("ab", "x"), " " * N + "x"]
COMMON = [repeat("a "), repeat("a."), repeat(":"), repeat("1.1.", "!")] + PROSE


def presidio_flags(recognizer) -> int:
    return int(recognizer.global_regex_flags or 0)


def presidio_patterns():
    """Patterns our recognizers hand to Presidio, which runs them with the `regex` module."""
    for recognizer, inputs in ((recognizers.spoken_email_recognizer("en"), SPOKEN),
                               (recognizers.street_address_recognizer("en"), STREET),
                               (recognizers.bounded_email_recognizer("en"), EMAIL),
                               (russian.russian_recognizers()[0], DIGITS),
                               (russian.russian_recognizers()[1], RUSSIAN + [repeat("а, "), repeat("Щ-"), repeat("а б ")])):
        for pattern in recognizer.patterns:
            yield pytest.param("regex", pattern.regex, presidio_flags(recognizer), inputs + COMMON,
                               id=f"presidio-{recognizer.name}-{pattern.name}")


def module_patterns():
    """Every compiled pattern in the redaction and analysis modules, run as the code runs it."""
    targeted = {"SPOKEN_EMAIL": SPOKEN, "STREET_ADDRESS": STREET, "RU_STREET_ADDRESS": RUSSIAN,
                "INTRODUCTION": RUSSIAN, "RUN": DIGITS, "PASSPORT_SERIES": DIGITS + RUSSIAN,
                "PASSPORT_DIGITS": DIGITS, "NUMBER_AFTER_NOMER": RUSSIAN + DIGITS,
                "NAMED_STREET_ADDRESS": STREET + NAMES, "NAME_CUE": NAMES, "ADDRESSED": NAMES,
                "NAME_THEN_BIRTH_DATE": NAMES, "SPELLED": SPELLED + DIGITS, "SPELLED_LETTERS": SPELLED + NAMES, "JOINED_ID": SPELLED + DIGITS,
                "SPELLING_CUE": SPELLED + NAMES, "FAMILY_NAME_CUE": NAMES + [repeat("my son "), repeat("my son, Alfie ")], "CAPITALS_WORD": SPELLED, "_NEIGHBOUR_BEFORE": SPELLED + NAMES,
                "_NEIGHBOUR_AFTER": SPELLED + NAMES, "_JUST_SAID": SPELLED + NAMES,
                "BARE_HOUSE": RUSSIAN + DIGITS,
                "BIRTH_DATE_THEN_NAME": BIRTH_DATES + NAMES, "INITIAL_SURNAME": NAMES + CHUNKS,
                "CHUNK": CHUNKS + SPELLED + DIGITS, "HEARD_CHUNK": CHUNKS + SPELLED + DIGITS, "GAP": CHUNKS, "LETTER_GAP": CHUNKS, "POSTCODE": CHUNKS + SPELLED,
                "REFERENCE_REQUEST": [repeat("booking "), repeat("order ref "), repeat("claim  "), repeat("licence key ")],
                **dict.fromkeys(("SORT_CODE_SAID", "SORT_CODE_SHAPE", "BANK_TALK", "SECRET_SAID", "SECRET_REQUEST",
                                 "SECRET_ANSWER", "STREET_WITHOUT_NUMBER", "READ_BACK_NAME", "SHORT_TOKEN_BEFORE",
                                 "SHORT_TOKEN_AFTER", "EDGE_LETTERS_AFTER", "EDGE_LETTERS_BEFORE"), SPOKEN_DETAILS + NAMES),
                **dict.fromkeys(("SPELLED_WITH_WORDS", "LOWER_SPELLED", "REGISTRATION", "LETTERS_THEN_DIGITS",
                                 "PROVIDER_EMAIL", "ONE_WORD_EMAIL", "APARTMENT_PLACE", "PO_BOX"), DICTATED + SPELLED + DIGITS)}
    for module in (answered, recognizers, references, identity, dictated, spoken_details, russian, numbers, redact_transcript, reply_checks, summary,
                   summary_cues, analyze_transcript):
        for name, value in vars(module).items():
            found = [(name, value)] if isinstance(value, re.Pattern) else [
                (f"{name}[{key}]", item) for key, item in value.items()
                if isinstance(item, re.Pattern)] if isinstance(value, dict) else []
            for label, pattern in found:
                yield pytest.param("re", pattern.pattern, int(pattern.flags), targeted.get(name, []) + COMMON,
                                   id=f"{module.__name__.rsplit('.', 1)[-1]}.{label}")


def test_every_module_pattern_is_covered():
    ids = {p.id for p in module_patterns()}
    assert {"recognizers.SPOKEN_EMAIL", "recognizers.STREET_ADDRESS", "russian.RU_STREET_ADDRESS",
            "russian.INTRODUCTION", "reply_checks.REPEATED_RUN", "identity.NAME_CUE",
            "identity.SPELLED", "recognizers.NAMED_STREET_ADDRESS", "identity.JOINED_ID",
            "identity.BIRTH_DATE_THEN_NAME", "identity.INITIAL_SURNAME", "references.CHUNK",
            "references.POSTCODE", "identity.SPELLED_LETTERS", "dictated.SPELLED_WITH_WORDS",
            "dictated.APARTMENT_PLACE", "dictated.PROVIDER_EMAIL", "spoken_details.SECRET_SAID",
            "spoken_details.STREET_WITHOUT_NUMBER", "spoken_details.READ_BACK_NAME"} <= ids


@pytest.mark.parametrize("engine,pattern,flags,inputs", [*presidio_patterns(), *module_patterns()])
def test_pattern_is_linear_on_pathological_input(engine, pattern, flags, inputs):
    job = json.dumps({"engine": engine, "pattern": pattern, "flags": flags, "inputs": inputs})
    try:
        subprocess.run([sys.executable, "-c", MATCH_ALL], input=job, text=True, check=True,
                       timeout=BOUND_S, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{engine} pattern {pattern[:80]!r}... still matching after {BOUND_S:.0f} s on "
                    f"{len(inputs)} inputs of ~{N} characters: catastrophic backtracking")


def test_presidio_runs_the_bounded_email_pattern():
    """The predefined recognizer's unbounded local part is what we replace (by name)."""
    bounded = recognizers.bounded_email_recognizer("en")
    assert bounded.name == "EmailRecognizer"
    assert all("{0,}" not in p.regex for p in bounded.patterns)
    assert [m.group() for m in regex.finditer(bounded.patterns[0].regex, "mail thomas.reed@example.com now")] == [
        "thomas.reed@example.com"]


@pytest.mark.parametrize("text,expected", [
    ("it's thomas dot reed at example dot com thanks", "thomas dot reed at example dot com"),
    ("write to anna underscore smith at mail dot co dot uk", "anna underscore smith at mail dot co dot uk"),
    ("send it to j.doe at example.org", "j.doe at example.org"),
    ("bob dash jones at my-shop dot io please", "bob dash jones at my-shop dot io"),
])
def test_spoken_email_still_matches(text, expected):
    assert [m.group() for m in recognizers.SPOKEN_EMAIL.finditer(text)] == [expected]


@pytest.mark.parametrize("text,expected", [
    ("I live at 42 Baker Street, apartment 5.", "42 Baker Street, apartment 5"),
    ("it's twelve Harbour Street", "twelve Harbour Street"),
    ("one hundred and twenty three Long Lane", "one hundred and twenty three Long Lane"),
])
def test_street_address_still_matches(text, expected):
    assert [m.group() for m in recognizers.STREET_ADDRESS.finditer(text)] == [expected]


@pytest.mark.parametrize("text,expected", [
    ("It's at nine Orchard Close. Can you come tomorrow?", "nine Orchard Close"),
    ("The depot is 3 Mill Rd. by the station.", "3 Mill Rd."),
])
def test_an_address_leaves_the_full_stop_to_its_sentence(text, expected):
    # the full stop after a street type ends the sentence; eaten, the next question ran into it
    assert [m.group() for m in recognizers.STREET_ADDRESS.finditer(text)] == [expected]
