"""Dictated personal data in the shapes of the calibrate calls en80-en85 (issue 8, session 7): a name
spelled with words for its letters ("K as in kilo", ASR's "D is in Delta", "double-L") or in
lower-case letters, a vehicle registration, a letter group before a reference's digits ("MTR 447
912", "Fw 772-059"), an e-mail whose "at" ASR lost ("name.yahoo.co.uk") or with a spoken "hyphen",
an apartment and its building in lower case. The lines are written for these tests; none is from
the labelled calls. Ordinary talk of the same look must stay."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text
from agents.redact.dictated import find_dictated
from agents.redact.identity import PERSON, SPELLED_ID
from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.recognizers import SPOKEN_EMAIL
from agents.redact.references import ADDRESS

EMAIL = "EMAIL_ADDRESS"


def found(text: str) -> list[tuple[str, str]]:
    """Findings on the text as the engine reads it, with dictated numbers as digits."""
    normalised = normalise_spoken_numbers(text)
    return [(text[slice(*normalised.to_original(start, end))], entity)
            for start, end, entity in find_dictated(normalised.text)]


@pytest.mark.parametrize("text, value", [
    ("Surname's Nolan, N as in November, O, L, A, N.", "N as in November, O, L, A, N"),
    ("It's Brook, B is in Bravo, R-O-O-K.", "B is in Bravo, R-O-O-K"),  # ASR's "is in"
    ("Hollis, that's H O double-L I S.", "H O double-L I S"),
    ("Yes, P-A double P-A-S.", "P-A double P-A-S"),
    ("the name's m a r g o l i s, all lower case", "m a r g o l i s"),
])
def test_a_name_spelled_with_words_or_in_lower_case_letters_is_a_person(text, value):
    assert found(text) == [(value, PERSON)]


@pytest.mark.parametrize("text, value", [
    ("The car is a blue Fiesta, RK19 WFA.", "RK19 WFA"),
    ("Reg? It's B D 71, X P N.", "B D 71, X P N"),  # as the number reader gives "seventy-one"
    ("Registration AB12CDE, please.", "AB12CDE"),
    # a lone number word after spelled letters is dictated (agents.redact.numbers), so the
    # registration pattern sees "M T 15, R J S"
    ("The van's M T fifteen, R J S.", "M T fifteen, R J S"),
    ("My policy is LKT 880 431.", "LKT 880 431"),
    ("It's Hx 301-227 on the letter.", "Hx 301-227"),  # ASR wrote "H X" as one word
])
def test_registrations_and_letter_groups_before_digits_are_references(text, value):
    assert found(text) == [(value, SPELLED_ID)]


@pytest.mark.parametrize("text, value", [
    ("Send it to dana.hotmail.co.uk, thanks.", "dana.hotmail.co.uk"),
    ("It's rob hyphenmiles.gmail.com.", "hyphenmiles.gmail.com"),
])
def test_a_mailbox_run_into_a_providers_domain_is_an_email(text, value):
    assert found(text) == [(value, EMAIL)]


def test_a_spoken_hyphen_joins_a_mailbox():
    text = "It's omar hyphen shah at inbox dot co dot uk."
    assert [m.group() for m in SPOKEN_EMAIL.finditer(text)] == ["omar hyphen shah at inbox dot co dot uk"]


@pytest.mark.parametrize("text, value", [
    ("I'm in apartment for be tolly wharf very road now.", "apartment for be tolly wharf very road"),
    ("Flat 12 c, linden house.", "Flat 12 c, linden house"),
])
def test_an_apartment_and_its_building_in_lower_case_are_an_address(text, value):
    assert found(text) == [(value, ADDRESS)]


@pytest.mark.parametrize("text", [
    "Plan B is in place, A and C too.",
    "It's a double-decker bus, a B and C.",
    "The double room at A, B or C is free.",
    "I think a b is fine.",
    "Call NHS 111 or watch BBC 2 at 10 PM.",
    "On 15 03 2024 we paid, Mr 12345 is nobody.",
    "The form is at www.yahoo.co.uk or mail.gmail.com.",
    "We live a flat 20 minutes down the road.",
    "I rented a flat for two years close to the station.",
    "The postcode LS6 2PQ and the A 40 road.",
])
def test_ordinary_talk_of_the_same_look_stays(text):
    assert found(text) == []


@pytest.mark.models
def test_spelled_names_and_registration_redacted_and_the_talk_kept(english_analyzer):
    text = ("Gillam, G I double-L A M. The car's Y G 68, K L D and it costs nine pounds a month "
            "from Friday.")
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "double-L" not in redacted and "K L D" not in redacted and "Y G" not in redacted, redacted
    assert "nine pounds a month from Friday." in redacted, redacted
