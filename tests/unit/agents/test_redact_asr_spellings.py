"""What ASR makes of an identification the caller dictated (issue 8, audio leaks): a surname it
does not know split into ordinary words after the date of birth ("Nadia Okafor" heard as "Nadia
oak a four"), and a spelled reference joined into one token ("J K one two three..." as "JK123456").
Each example failed before agents/redact/identity.py had BIRTH_DATE_THEN_NAME and JOINED_ID."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text
from agents.redact.identity import SPELLED_ID, SpelledIdRecognizer
from aica.samples import find_leaks


@pytest.mark.models
@pytest.mark.parametrize("text, value", [
    ("Sure, it's the 3rd of April 71, Nadia oak a four.", "Nadia"),
    ("Yes, the 9th of October 58, Tamsin with a cold.", "Tamsin"),
    ("The 2nd of June, ninety one, Oona Heather Wing.", "Oona"),
    ("Yeah, 21/07/1979, Ife Oluwa Seun.", "Ife Oluwa"),
])
def test_a_name_after_the_date_of_birth_is_redacted_whatever_asr_made_of_it(english_analyzer, text, value):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert find_leaks([value], redacted) == [], redacted
    assert "<PERSON>" in redacted


@pytest.mark.models
@pytest.mark.parametrize("text", [
    "It renews on the 3rd of April, Thanks.",
    "We booked it for March, Okay.",
    "Since June 2020, Nothing has changed.",
])
def test_a_date_followed_by_no_name_is_kept(english_analyzer, text):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "<PERSON>" not in redacted, redacted


@pytest.mark.parametrize("text, value", [
    ("My member number is JK123456, I think.", "JK123456"),
    ("It's QR-7654321C on the letter.", "QR-7654321C"),
    ("Reference T90817 please.", "T90817"),
])
def test_a_spelled_reference_asr_wrote_as_one_token_is_an_identifier(text, value):
    found = SpelledIdRecognizer().analyze(text, [SPELLED_ID])
    assert [text[r.start:r.end] for r in found] == [value]


@pytest.mark.parametrize("text", ["Code K-N7 is fine.", "The A320 landed.", "Postcode M20 4QB.",
                                  "A COVID-19 test.", "Tier B12345-X only."])
def test_short_or_embedded_letter_digit_codes_are_no_identifier(text):
    assert SpelledIdRecognizer().analyze(text, [SPELLED_ID]) == []


# A surname spelled out, as ASR writes it: one word in capitals after a spelling cue (also when a
# full stop ended the name first), or beside its own mishearing of the name; and a street whose
# type ASR wrote in lower case. Each leaked on a rendering of the calibrate calls en64, en80,
# en102 and en106 (the same calls passed on another rendering of their audio).
@pytest.mark.models
@pytest.mark.parametrize("text, gone", [
    ("Karen Whitlow. That's WHITLOW, or the 3rd of April 1979.", ["WHITLOW"]),
    ("Karen Whitwell. That's WHITLOW, or the 3rd of April 1979.", ["WHITLOW"]),  # the name misheard
    ("Gear up price PRYCE price with a 1986.", ["PRYCE", "price"]),
    ("The account number is 41882036, and I'm on marks per crescent. The cottage at the end.", ["marks per"]),
    ("It's the flat above the bakery on Cobbler's row.", ["Cobbler"]),
    ("They're for my son, Alfie Burnham White, with a hyphen.", ["Alfie", "Burnham"]),  # a relative's name
])
def test_spelled_surnames_and_streets_as_asr_writes_them_are_redacted(english_analyzer, text, gone):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert not any(word in redacted for word in gone), redacted


@pytest.mark.models
@pytest.mark.parametrize("text", [
    "I paid the VAT and the MOT on Friday.",
    "That's GREAT news, thanks.",
    "I'm on my way to the avenue now.",
    "We're at the end of the row, near the road.",
    "It's for my son, he starts on Monday.",
])
def test_acronyms_capitals_and_ordinary_street_words_are_kept(english_analyzer, text):
    assert redact_text(english_analyzer, text, ENGLISH_POLICY) == (text, [])
