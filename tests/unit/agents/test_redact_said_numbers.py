"""Numbers and details said in the shapes of the calibrate calls en119-en121 and ru44-ru46 (issue 8,
session 9): "hundred" and "treble" in a phone number, "тысячи" in a card's groups, a lone number
word after spelled letters (a registration's "W K nineteen"), a unit and its building, a P O box,
an e-mail said as words "all one word", a Russian name spelled letter by letter. The lines are
written for these tests; none is from the labelled calls. Ordinary talk of the same look stays:
times, prices, quantities, model and tariff names."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, RUSSIAN_POLICY, redact_text
from agents.redact.dictated import find_dictated
from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.references import ADDRESS
from aica.samples import find_leaks


def digits(text: str) -> str:
    return normalise_spoken_numbers(text).text


@pytest.mark.parametrize("said, read", [
    ("oh eight hundred, five hundred, two two one", "oh 800500221"),   # "0800 500 221"
    ("oh seven seven hundred, six hundred, four one two", "oh 7700600412"),
    ("two oh three, treble six, one four", "20366614"),
    ("nineteen hundred ninety-nine", "1999"),
    ("одна тысяча двести, три тысячи сорок один", "12003041"),  # separators go with the run
    ("пять тысяч пятьсот пять", "5505"),
    ("двадцать тысяч", "20000"),
])
def test_scale_words_fill_their_places(said, read):
    assert digits(said) == read


def test_a_comma_after_hundred_starts_the_next_group():
    assert digits("nine hundred, three") == "9003"
    assert digits("двести, три") == "2003"
    assert digits("nine hundred three") == "903"


@pytest.mark.parametrize("said, read", [
    ("It's P R eleven, K T S.", "It's P R 11, K T S."),
    ("It's P, R, eleven, K T S.", "It's P, R, 11, K T S."),
    ("flat nine", "flat 9"),
    # no spelled letters before: a name, an acronym or a word
    ("We watched BBC two last night.", "We watched BBC two last night."),
    ("Plan B one day, NHS one the next.", "Plan B one day, NHS one the next."),
    ("It's H O double-L I S.", "It's H O double-L I S."),
    ("one moment please", "one moment please"),
])
def test_a_lone_number_word_is_dictated_after_spelled_letters(said, read):
    assert digits(said) == read


def found(text: str) -> list[tuple[str, str]]:
    normalised = normalise_spoken_numbers(text)
    return [(text[slice(*normalised.to_original(start, end))], entity)
            for start, end, entity in find_dictated(normalised.text)]


@pytest.mark.parametrize("text, value", [
    ("We're at Unit nine, Brickfield Yard Court.", "Unit nine, Brickfield Yard Court"),
    ("Send it to P.O. Box 3310, please.", "P.O. Box 3310"),
    ("My post goes to PO box number twelve.", "PO box number twelve"),
    ("It's P.O. Box 5, 5, 0, 2 now.", "P.O. Box 5, 5, 0, 2"),  # as ASR writes digits said one by one
])
def test_a_unit_and_a_post_office_box_are_addresses(text, value):
    assert found(text) == [(value, ADDRESS)]


@pytest.mark.parametrize("text, value", [
    ("It's T L Marsh, all one word, at outlook dot com.", "T L Marsh, all one word, at outlook dot com"),
    ("My email is KP-Lowry, all one word at yahoo.co.uk, ta.", "KP-Lowry, all one word at yahoo.co.uk"),
])
def test_a_mailbox_said_as_words_all_one_word_is_an_email(text, value):
    assert found(text) == [(value, "EMAIL_ADDRESS")]


@pytest.mark.parametrize("text", [
    "The unit costs two hundred pounds and the unit two miles down the road is shut.",
    "Put it in the box by the door, one box per order.",
    "Say it all, one word at a time.",
    "We're open from nine hundred hours, seven days a week.",
])
def test_ordinary_talk_of_the_same_look_stays(text):
    assert found(text) == []


def test_the_leak_check_finds_a_phone_whose_leading_oh_reads_as_an_interjection():
    assert find_leaks(["07700600412"], "It's oh seven seven hundred, six hundred, four one two.") == ["07700600412"]
    assert find_leaks(["07700600412"], "It's oh <PHONE_NUMBER>.") == []


@pytest.mark.models
@pytest.mark.parametrize("text, gone, kept", [
    ("My mobile's oh seven seven hundred, six hundred, four one two, and the plan is Unlimited Plus.",
     "six hundred, four one two", ["Unlimited Plus."]),
    ("The landline is oh one one three, treble two, eight oh four one, after seven p.m.",
     "treble two, eight oh four one", ["after seven p.m."]),
    ("The reg is P R eleven, K T S, a grey estate, and it's forty pounds for the MOT.",
     "K T S", ["a grey estate", "forty pounds for the MOT."]),
    ("Post goes to P O Box seven seven two one, and the parcel weighs two kilos.",
     "seven seven two one", ["the parcel weighs two kilos."]),
])
def test_english_details_redacted_and_the_talk_kept(english_analyzer, text, gone, kept):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert gone not in redacted, redacted
    assert all(k in redacted for k in kept), redacted


@pytest.mark.models
def test_common_acronyms_spelled_by_asr_are_kept_and_a_spelled_surname_is_not(english_analyzer):
    text = "The D-M-O-T runs out and the H-M-R-C letter came. Surname's P-R-O-W-S-E, M-O-T-T-S at work."
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "The D-M-O-T runs out and the H-M-R-C letter came." in redacted, redacted  # "the MOT"
    assert "P-R-O-W-S-E" not in redacted and "M-O-T-T-S" not in redacted, redacted


@pytest.fixture(scope="module")
def russian_analyzer():
    from agents.redact import build_analyzer

    return build_analyzer("ru")


@pytest.mark.parametrize("text, gone, kept", [
    ("Фамилия Лопухина, по буквам Л, О, П, У, Х, И, Н, А.", "П, У, Х", []),
    ("Номер карты: две тысячи двести один, тысяча триста сорок, пятьдесят пять шестьдесят, "
     "семьдесят семь восемьдесят. Сумма пять тысяч рублей.", "пятьдесят пять шестьдесят",
     ["Сумма пять тысяч рублей."]),
    ("Серия 38 1 4, номер 207 9 11, выдан в 2019 году.", "38 1 4", ["выдан в 2019 году."]),
    ("Тариф «Домашний 500», сто мегабит, а я в магазин и с сыном.", "", ["Тариф «Домашний 500», сто мегабит, а я в магазин и с сыном."]),
])
def test_russian_details_redacted_and_the_talk_kept(russian_analyzer, text, gone, kept):
    redacted, _ = redact_text(russian_analyzer, text, RUSSIAN_POLICY)
    assert not gone or gone not in redacted, redacted
    assert all(k in redacted for k in kept), redacted
