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
