"""Postcodes and references whose letters or digits ASR wrote as words it heard (issue 8, audio
leaks; agents/redact/references.py HEARD): "four" as "for", "two" as "to", "N E" as "any", "B" as
"Be", "K" as "okay", dotted letters "H.T.", and a reference with only its first letter a capital
(agents/redact/identity.py JOINED_ID). The lines are written for these tests; none is from the
labelled calls. Each positive case fails without the heard-word reading."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text
from agents.redact.identity import SPELLED_ID, SpelledIdRecognizer
from agents.redact.references import ADDRESS, find_spelled_identifiers


def found(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], entity) for start, end, entity in find_spelled_identifiers(text)]


@pytest.mark.parametrize("text, value", [
    ("Yes, it's D H seven for P W.", "D H seven for P W"),  # DH7 4PW, "four" heard as "for"
    ("Postcode's any nine, three G B.", "any nine, three G B"),  # NE9 3GB, "N E" heard as "any"
    ("Be 21 to XY, near the park.", "Be 21 to XY"),  # B21 2XY
    ("It's L S eight, two R.T.", "L S eight, two R.T"),  # LS8 2RT, dotted letters run together
    ("Send it to C F one, ate Q D.", "C F one, ate Q D"),  # CF1 8QD: "eight" heard as "ate"
])
def test_a_postcode_with_heard_words_is_an_address(text, value):
    assert found(text) == [(value, ADDRESS)]


@pytest.mark.parametrize("text, value", [
    ("The code is P seven T to W nine.", "P seven T to W nine"),  # P7T2W9
    ("Booking ref H four X for Z one.", "H four X for Z one"),  # H4X4Z1
])
def test_a_reference_with_a_heard_digit_inside_is_an_id_number(text, value):
    assert found(text) == [(value, SPELLED_ID)]


@pytest.mark.parametrize("text", [
    "Is it OK for 2 PM tomorrow?",  # a postcode never ends in M: a time
    "I paid 40 for 2 tickets and you said see you at 5.",
    "Are you free to talk for 10 minutes?",
    "Tea for two at the cafe, table 4.",
    "Can I see 2 to 3 options for the Q4 plan?",
    "It's for you to decide, okay?",
])
def test_heard_words_in_ordinary_talk_are_no_identifier(text):
    assert found(text) == []


@pytest.mark.parametrize("text, value", [("Reference Dk40917, please.", "Dk40917"),
                                          ("It's Tq-552901 on the form.", "Tq-552901")])
def test_a_joined_reference_with_one_capital_is_an_identifier(text, value):
    found_ids = SpelledIdRecognizer().analyze(text, [SPELLED_ID])
    assert [text[r.start:r.end] for r in found_ids] == [value]


@pytest.mark.parametrize("text", ["The Mp3 player.", "Route Ab123 goes north.", "Covid2019 rules."])
def test_short_mixed_case_codes_are_no_joined_reference(text):
    assert SpelledIdRecognizer().analyze(text, [SPELLED_ID]) == []


@pytest.mark.models
def test_a_heard_postcode_is_redacted_and_the_date_of_birth_kept(english_analyzer):
    text = "Fourth of June, sixty two, and it's any nine, three G B."
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "<ADDRESS>" in redacted and "G B" not in redacted and "any nine" not in redacted, redacted
