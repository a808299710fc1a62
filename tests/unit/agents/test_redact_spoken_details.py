"""Personal data said in the shapes of the calibrate calls en102-en107 (issue 8, session 8): sort codes,
memorable words and passwords (said with their cue, or as the answer to a question for one),
streets without a house number, a name only the agent reads back, a product key with a postcode's
shape inside, a serial's trailing letter group, a licence key whose letters ASR wrote as short words.
The lines are written for these tests; none is from the labelled calls. Ordinary talk of the same
look (times, prices, model names, quantities, talk about passwords) must stay."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text
from agents.redact.identity import PERSON, SPELLED_ID
from agents.redact.references import ADDRESS, answered_references, find_spelled_identifiers
from agents.redact.spoken_details import LOCATION, PASSWORD, answered_secrets, find_spoken_details


def found(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entity) for start, end, entity in find_spoken_details(text)]


def spans(text: str, found_spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in found_spans]


@pytest.mark.parametrize("text, value", [
    ("My sort code is 30 92 14 and the account is ...", "30 92 14"),
    ("Sort code: 309214.", "309214"),
    ("New payee, sort-code 30-92-14.", "30-92-14"),
    ("Cirque does 30, 92, 14, and the account number is 12345678.", "30, 92, 14"),  # ASR lost "sort code"
    ("The bank said 40-11-62 on the letter.", "40-11-62"),
])
def test_a_sort_code_is_a_reference(text, value):
    assert (value, SPELLED_ID) in found(text)


@pytest.mark.parametrize("text", [
    "The account was charged 12, 15 and 20 pounds.",  # no pairs with the same separator twice
    "My bank opens at 9 30 and closes at 16 30.",
    "Between 10 and 12 my account was locked, 2024-05-17 was the day.",
    "They scored 20, 45, 17 points in the three games.",  # three pairs but no bank talk
    "The account has 3 phones: 12 GB, 20 GB and 45 GB.",
])
def test_numbers_in_ordinary_bank_talk_stay(text):
    assert not [v for v, entity in found(text) if entity == SPELLED_ID]


@pytest.mark.parametrize("text, value", [
    ("And the memorable word is marmalade.", "marmalade"),
    ("My password's Falcon 77, I think.", "Falcon 77"),
    ("The secret answer is Tinker Bell and my PIN is 4821.", "Tinker Bell"),
    ("security password on the account is bluebell 91", "bluebell 91"),
])
def test_a_said_memorable_word_or_password_is_redacted(text, value):
    assert (value, PASSWORD) in found(text)


@pytest.mark.parametrize("text", [
    "The password is wrong again.",
    "Your password is case sensitive.",
    "What's the memorable word on the account?",
    "I reset the password on Monday at 9.",
    "The password is not working since the update.",
])
def test_talk_about_passwords_stays(text):
    assert not [v for v, entity in found(text) if entity == PASSWORD]


def segment(speaker: str, text: str) -> dict:
    return {"speaker": speaker, "text": text}


def test_the_answer_to_a_question_for_a_password_is_redacted():
    segments = [segment("agent", "Before we go on, what's the security password on the account?"),
                segment("client", "It's lighthouse 42."),
                segment("agent", "And your memorable word, please?"),
                segment("client", "Yes, Humbug."),
                segment("agent", "Which password did you set?"),
                segment("client", "Sorry, I can't remember it.")]
    answers = answered_secrets(segments)
    assert {i: spans(segments[i]["text"], s) for i, s in answers.items()} == {1: ["lighthouse 42"], 3: ["Humbug"]}


def test_an_answer_by_the_same_speaker_or_without_a_question_is_not_taken():
    segments = [segment("client", "What was my password?"), segment("client", "Bluebell, I think."),
                segment("agent", "The password is reset."), segment("client", "Lighthouse.")]
    assert answered_secrets(segments) == {}


@pytest.mark.parametrize("text, value", [
    ("I'm on Primrose Crescent, the end house.", "Primrose Crescent"),
    ("The engineer's coming to Saddler Yard tomorrow.", "Saddler Yard"),
    ("It's the flat above the chemist on Tailor's Row.", "Tailor's Row"),
    ("we moved to Marsh ton Lane last year", "Marsh ton Lane"),  # ASR split the name
])
def test_a_street_without_a_number_is_a_location(text, value):
    assert found(text) == [(value, LOCATION)]


@pytest.mark.parametrize("text", [
    "It's on the High Street, next to the bank.",
    "I'll be in Manchester on Monday at 10.",
    "The Galaxy S24 costs 799 pounds on Plan B.",
    "Send two boxes to the warehouse by Friday.",
    "It's on The Parade, I think.",
])
def test_places_without_a_street_name_stay(text):
    assert not [v for v, entity in found(text) if entity == LOCATION]


@pytest.mark.parametrize("text, value", [
    ("So I've got Edwin Marchetti at Primrose Crescent, is that right?", "Edwin Marchetti"),
    ("Okay, I've got you down as Ann Lee, is that correct?", "Ann Lee"),
])
def test_a_name_the_agent_reads_back_is_a_person(text, value):
    assert (value, PERSON) in found(text)


def test_a_product_read_back_stays():
    assert found("I've got Premium Broadband on my account, is that right?") == []


def identifiers(text: str) -> list[tuple[str, str]]:
    return [(text[a:b], entity) for a, b, entity in find_spelled_identifiers(text)]


def test_a_product_key_with_a_postcodes_shape_inside_is_one_reference():
    text = "It's 7 X K 49 P Q 2, H H 3 M."
    assert identifiers(text) == [("7 X K 49 P Q 2, H H 3 M", SPELLED_ID)]


def test_a_postcode_stays_a_postcode():
    assert identifiers("The postcode is L S 6, 2 P Q.") == [("L S 6, 2 P Q", ADDRESS)]
    assert identifiers("It's LS6 2PQ, 12.") == [("LS6 2PQ", ADDRESS)]
    assert identifiers("Born 1990, LS6 2PQ.") == [("LS6 2PQ", ADDRESS)]  # a year beside it, digits only


def test_a_serials_letter_group_belongs_to_it():
    assert identifiers("Serial C02X L881 JGH, thanks.") == [("C02X L881 JGH", SPELLED_ID)]
    assert identifiers("Watch BBC 2 at 10 or call NHS 111.") == []


def test_short_tokens_around_an_answered_licence_key_belong_to_it():
    segments = [segment("agent", "Right. What's the license key?"), segment("client", "It's a L4 992 km."),
                segment("agent", "And the serial number?"), segment("client", "Um, Q 4 7 2 1 9, ok.")]
    answers = answered_references(segments)
    assert {i: spans(segments[i]["text"], s) for i, s in answers.items()} == {1: ["a L4 992 km"], 3: ["Q 4 7 2 1 9"]}


@pytest.mark.models
def test_details_redacted_and_ordinary_talk_kept(english_analyzer):
    text = ("Sort code is twenty, forty-five, seventeen, and the memorable word is pumpernickel. "
            "I'm on Larkspur Crescent. The 4K model costs two hundred and forty pounds, three of them by 10:30 on Friday.")
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    for gone in ("forty-five", "pumpernickel", "Larkspur"):
        assert gone not in redacted, redacted
    assert "The 4K model costs two hundred and forty pounds, three of them by 10:30 on Friday." in redacted, redacted


@pytest.mark.models
def test_a_reference_ending_in_a_capital_keeps_the_next_im(english_analyzer):
    redacted, _ = redact_text(english_analyzer, "The IBAN is G B 47, L O Y D, 30941206558317. I'm worried.",
                              ENGLISH_POLICY)
    assert redacted.endswith("I'm worried."), redacted
    assert "L O Y D" not in redacted and "3094" not in redacted, redacted
