"""Dictated personal data in the shapes ASR writes it (issue 8, new calibrate calls en64-en69 from
piper audio): a surname spelled letter by letter ("W.H.A.T.L.O.W.U.", "S-H-A-W", or run together
after the name, "Ramaswamy, RMSWMY"), a house number hyphenated to the street ("27-mill-way",
"11-half-orn drive", "seven-wheel rise"), a reference with ASR's decimal point between two
dictated digits ("B7X 4.4Q"), a postcode with one letter in lower case ("B90, 3kS"), and a full
name after "it's for". The lines are written for these tests; none is from the labelled calls.
Ordinary talk of the same look must stay."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text
from agents.redact.identity import PERSON, CallerNameRecognizer
from agents.redact.recognizers import NAMED_STREET_ADDRESS, STREET_ADDRESS
from agents.redact.references import ADDRESS, SPELLED_ID, find_spelled_identifiers


def found(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entity) for start, end, entity in find_spelled_identifiers(text)]


def names(text: str) -> list[str]:
    return [text[r.start:r.end] for r in CallerNameRecognizer().analyze(text, [PERSON])]


@pytest.mark.parametrize("text, value", [
    ("Okay, and the surname is Lowe, that's L-O-W-E-S.", "L-O-W-E-S"),
    ("It's spelt S-H-A-W.", "S-H-A-W"),
    ("Yes, Fenwick. F.E.N.W.I.C.K. Born in May.", "F.E.N.W.I.C.K."),
    ("My surname's Doyle, D O Y L E, and the postcode...", "D O Y L E"),
    ("Kowalczyk, KWLCZK, and I live in Leeds.", "KWLCZK"),  # ASR ran the letters together
])
def test_a_spelled_surname_is_a_person(text, value):
    assert value in names(text)


@pytest.mark.parametrize("text", [
    "Call me back ASAP, or A.S.A.P. as the letter says.",
    "I watched it on I-T-V and the BBC.",  # three letters
    "Plan A B C is the cheapest.",  # three single letters with spaces
    "Hello, NSPCC here.",  # capitals after a greeting, not after a name
    "Thanks, HMRC wrote to me.",
    "I need a T-shirt and an X-ray.",
])
def test_acronyms_and_hyphenated_words_are_no_spelled_surname(text):
    assert names(text) == []


@pytest.mark.parametrize("text, expected", [
    ("We moved to 27-mill-way last week.", "27-mill-way"),
    ("It's 11-half-orn drive, by the school.", "11-half-orn drive"),
    ("Forty-two-fox-glove close, flat 3.", "Forty-two-fox-glove close, flat 3"),
])
def test_a_house_number_hyphenated_to_the_street_is_an_address(text, expected):
    assert [m.group() for m in STREET_ADDRESS.finditer(text)] == [expected]


def test_a_hyphenated_lower_case_named_street_is_an_address():
    assert [m.group() for m in NAMED_STREET_ADDRESS.finditer("It was seven-wheel rise, then.")] == \
        ["seven-wheel rise"]


@pytest.mark.parametrize("text", [
    "It's a 24-hour drive and a 5-minute walk.",
    "The 2-car park was full and we had a 3-star view.",
    "It took a 2-day lane closure.",
])
def test_hyphenated_quantities_are_no_address(text):
    assert [m.group() for m in STREET_ADDRESS.finditer(text)] == []
    assert [m.group() for m in NAMED_STREET_ADDRESS.finditer(text)] == []


@pytest.mark.parametrize("text, value, entity", [
    ("It's B7X 4.4Q.", "B7X 4.4Q", SPELLED_ID),  # "B seven X, four four Q"
    ("Reference K2.9 P4 T please.", "K2.9 P4 T", SPELLED_ID),
    ("The postcode is B90, 3kS.", "B90, 3kS", ADDRESS),  # B90 3KS with the k in lower case
])
def test_asr_decimal_points_and_lower_case_letters_stay_in_a_dictated_value(text, value, entity):
    assert found(text) == [(value, entity)]


@pytest.mark.parametrize("text", [
    "See you Friday at 4.15 then.",
    "It's 4.99 a month on the 4G plan, and 4pm is fine.",
    "The Mp3 and the 3rd of May.",
])
def test_prices_times_and_ordinals_are_no_reference(text):
    assert found(text) == []


@pytest.mark.parametrize("text, value", [
    ("The parcel? It's for Dana Whitcombe, next door.", "Dana Whitcombe"),
    ("The letter was addressed to Samir Qureshi.", "Samir Qureshi"),
])
def test_a_full_name_after_its_for_is_a_person(text, value):
    assert value in names(text)


def test_it_is_for_a_day_is_no_name():
    assert names("It's for Christmas Day, so no rush.") == []


@pytest.mark.models
def test_a_spelled_surname_and_hyphenated_street_are_redacted_and_the_talk_kept(english_analyzer):
    text = "Sure, it's Orla Pennick, P-E-N-N-I-C-K, at 9-lark-hill road. It's a 24-hour drive from here."
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "P-E-N-N-I-C-K" not in redacted and "lark" not in redacted, redacted
    assert "24-hour drive from here" in redacted, redacted


def test_a_number_said_after_a_dotted_mailbox_is_part_of_the_email():
    from agents.redact.recognizers import SPOKEN_EMAIL

    text = "Send it to lena dot hart 77 at inbox dot com, please."
    assert [m.group() for m in SPOKEN_EMAIL.finditer(text)] == ["lena dot hart 77 at inbox dot com"]
    text = "It's raj underscore patel forty at mailbox dot net."  # one number word stays a word
    assert [m.group() for m in SPOKEN_EMAIL.finditer(text)] == ["raj underscore patel forty at mailbox dot net"]
    assert [m.group() for m in SPOKEN_EMAIL.finditer("I paid 20 at shopnow dot com.")] == ["20 at shopnow dot com"]
