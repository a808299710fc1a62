"""Postcodes and references said or written in chunks (agents/redact/references.py), and the
leak check that reads such planted values whole (aica.samples.find_leaks). The lines are written
for these tests; none is from the labelled calls."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text, redact_transcript
from agents.redact.identity import SPELLED_ID
from agents.redact.references import ADDRESS, answered_references, find_spelled_identifiers
from aica.samples import find_leaks, spelled_value


def found(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entity) for start, end, entity in find_spelled_identifiers(text)]


@pytest.mark.parametrize("text, value", [
    ("Yeah, it's G L two, seven W X.", "G L two, seven W X"),  # spoken, outward and inward parts
    ("Postcode's M one four, nine Q R, I think.", "M one four, nine Q R"),
    ("It's S. W. one A, one A A.", "S. W. one A, one A A"),  # dotted letters, a letter in the outward code
    ("The postcode is CF10 1AA, flat two.", "CF10 1AA"),  # written as ASR writes it
    ("Send it to D H 1 3 Y T please.", "D H 1 3 Y T"),  # chunked digits
])
def test_a_postcode_in_any_chunking_is_an_address(text, value):
    assert found(text) == [(value, ADDRESS)]


@pytest.mark.parametrize("text, value", [
    ("My booking code is X four T nine J two.", "X four T nine J two"),
    ("Tracking says P F eight eight two zero one three.", "P F eight eight two zero one three"),
    ("The order ref was GH77 21K on the email.", "GH77 21K"),
    ("It's Z9K4M1, all capitals.", "Z9K4M1"),
])
def test_a_reference_mixing_letters_and_digits_is_an_id_number(text, value):
    assert found(text) == [(value, SPELLED_ID)]


@pytest.mark.parametrize("text", [
    "It went up from thirty two to forty five pounds.",  # numbers alone
    "Ring me at 10 30 A M tomorrow.",  # a time with A M
    "I watch BBC 2 and the NHS app says so.",  # words in capitals
    "Print it on A4, it's junction 10 of the M25.",  # short codes
    "I'm on Plan B now, the one with 5 G.",
    "K N 7 is the prefix.",  # too short to identify anyone
])
def test_ordinary_talk_and_short_codes_are_no_identifier(text):
    assert found(text) == []


@pytest.mark.models
@pytest.mark.parametrize("text, value, placeholder", [
    ("Date of birth fifth of May, eighty one, and it's T N nine, four B Z.", "T N nine, four B Z", "<ADDRESS>"),
    ("Yes, the booking reference is H three V eight Q one.", "H three V eight Q one", "<ID_NUMBER>"),
    ("Sure, my postcode is RG4 7TY.", "RG4 7TY", "<ADDRESS>"),
])
def test_spelled_identifiers_are_redacted_and_the_rest_of_the_line_kept(english_analyzer, text, value, placeholder):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert placeholder in redacted and value not in redacted, redacted
    assert find_leaks([value], redacted) == [], redacted
    assert redacted.split(placeholder)[0] == text.split(value)[0]  # the date of birth, "is" kept


@pytest.mark.models
def test_prices_times_and_channel_names_stay(english_analyzer):
    text = "It's forty two pounds on BBC 2, and the engineer comes at 10 30 A M."
    assert redact_text(english_analyzer, text, ENGLISH_POLICY)[0] == text


@pytest.mark.parametrize("value, chars", [
    ("L S six, two P Q", "LS62PQ"), ("K seven M two R nine", "K7M2R9"), ("B15 2TT", "B152TT"),
    ("Hannah Webb", None), ("07712344567", None), ("Orchard Close", None),
])
def test_a_planted_value_is_read_as_spelled_only_when_it_is_letters_and_digits(value, chars):
    assert spelled_value(value) == chars


def test_a_spelled_value_leaks_whole_or_mostly_but_not_through_one_number_word():
    planted = ["L S six, two P Q", "S L nine nine four one two zero"]
    assert find_leaks(planted, "It went up from thirty two pounds; send another one.") == []
    assert find_leaks(planted, "Postcode LS6 2PQ.") == ["L S six, two P Q"]
    assert find_leaks(planted, "it's l s six two p") == ["L S six, two P Q"]  # lower case, last letter gone
    assert find_leaks(planted, "S L 994120") == ["S L nine nine four one two zero"]
    assert find_leaks(planted, "<ADDRESS>, tracking <ID_NUMBER>.") == []


def turns(*texts: tuple[str, str]) -> list[dict]:
    return [{"speaker": speaker, "text": text} for speaker, text in texts]


@pytest.mark.parametrize("question, answer, value", [
    ("What's the booking reference?", "Yeah it's four seven two nine one.", "four seven two nine one"),
    ("Have you got the claim number there?", "Um, 88 310 6.", "88 310 6"),
    ("Can you read me the order ref?", "Sure, B nine three three four.", "B nine three three four"),
])
def test_a_short_reference_answering_the_question_for_it_is_found(question, answer, value):
    found = answered_references(turns(("agent", question), ("client", answer)))
    start = answer.index(value)
    assert found == {1: [(start, start + len(value))]}


@pytest.mark.parametrize("segments", [
    turns(("agent", "What's the booking reference?"), ("client", "Hang on, it's on the email.")),
    turns(("agent", "What's the order number?"), ("client", "It ends one four.")),  # too short
    turns(("agent", "I'll send a booking reference by text."), ("client", "It's four seven two nine one.")),
    turns(("client", "Whose booking reference is it?"), ("client", "four seven two nine one.")),  # same speaker
])
def test_no_reference_is_found_without_a_question_for_one_or_a_long_enough_answer(segments):
    assert answered_references(segments) == {}


@pytest.mark.models
def test_a_short_answered_reference_is_redacted_in_the_transcript(english_analyzer):
    segments = [{"start": 4.0 * i, "end": 4.0 * i + 3, "speaker": speaker, "text": text,
                 "words": [{"start": 4.0 * i + 0.3 * k, "end": 4.0 * i + 0.3 * (k + 1), "word": " " + w,
                            "probability": 0.9} for k, w in enumerate(text.split())]}
                for i, (speaker, text) in enumerate([("agent", "What's the membership number?"),
                                                      ("client", "Six one two eight five."),
                                                      ("agent", "Thanks, found you.")])]
    out = redact_transcript(english_analyzer, {"language": "en", "audio_duration_s": 12.0, "channels": 2,
                                               "segments": segments}, ENGLISH_POLICY)
    assert [s["text"] for s in out["segments"]] == ["What's the membership number?", "<ID_NUMBER>.",
                                                   "Thanks, found you."]
    assert "".join(w["word"] for w in out["segments"][1]["words"]).strip() == "<ID_NUMBER>."
