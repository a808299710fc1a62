"""Session 20 redaction leaks (issue 8): the reply to the agent's ask for a name, a postcode, a
number or an address is that value, whatever ASR did to its words; a lower-case word after "my
name is" is a name; a Russian street said with its type but no house number. Every line here is
written for these tests; each reading has a near-twin, an ordinary reply that stays."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, RUSSIAN_POLICY, redact_transcript
from agents.redact.answered import (_reply_name_spans, _russian_reply_names, answered_names_loose,
                                    answered_postcode_spans, russian_street_before_number, street_type_then_name)
from agents.redact.references import answered_references
from agents.redact.russian import natasha_models
from agents.redact.russian_details import answered_numbers_ru
from tests.unit.agents.test_redact import make_segment


def morph():
    return natasha_models()["morph"]


def name_words(reply: str) -> list[str]:
    return [reply[a:b] for a, b in _reply_name_spans(reply)]


@pytest.mark.parametrize("reply, found", [
    ("Door knotting and it's the flat above the shop.", ["Door knotting"]),  # a misheard surname
    ("ellen marsh, thanks.", ["ellen marsh"]),
    ("It's Trevor of <PERSON>.", ["Trevor of <PERSON>"]),
    ("<PERSON>, Holly Stanton, the house at the end.", ["Holly", "Stanton"]),
])
def test_the_reply_to_an_ask_for_a_name_is_the_name(reply, found):
    assert name_words(reply) == found


@pytest.mark.parametrize("reply", [
    "Hang on, I'll just find the letter.",
    "Don't know, sorry.",
    "Sure, one second.",
    "Yeah, it's about the boiler.",
    "I think it's under my husband.",
])
def test_an_ordinary_reply_to_an_ask_for_a_name_stays(reply):
    assert name_words(reply) == []


def test_only_a_turn_after_an_ask_for_a_name_is_read_so():
    segments = [make_segment("And what's the name on the account?", 0.0, "agent"),
                make_segment("Pam wellbeck, yeah.", 3.0, "client"),
                make_segment("How long has it been leaking?", 6.0, "agent"),
                make_segment("Three days now.", 9.0, "client")]
    assert answered_names_loose(segments, "en") == {1: [(0, 12)]}


def test_a_lower_case_word_after_my_name_is_is_a_name():
    segments = [make_segment("Hi, my name is tobin and I'm ringing about a parcel.", 0.0, "client")]
    text = segments[0]["text"]
    assert [text[a:b] for a, b in answered_names_loose(segments, "en")[0]] == ["tobin"]
    assert answered_names_loose([make_segment("Yes my name is on the lease.", 0.0, "client")], "en") == {}


@pytest.mark.parametrize("reply, found", [
    ("Yeah, it's BD7 3QX.", ["BD7 3QX"]),
    ("Essex 9, 2-P-L", ["Essex 9, 2-P-L"]),  # "S S nine, two P L" as ASR heard it
])
def test_the_reply_to_an_ask_for_a_postcode_is_the_postcode(reply, found):
    assert [reply[a:b] for a, b in answered_postcode_spans(reply)] == found


def test_a_reply_without_digits_to_an_ask_for_a_postcode_stays():
    assert answered_postcode_spans("I'd have to check, we only just moved.") == []


def test_four_digits_answering_an_ask_for_a_job_number_are_the_reference():
    segments = [make_segment("Have you got your job number there?", 0.0, "agent"),
                make_segment("Yep, it's 4417.", 3.0, "client")]
    assert answered_references(segments) == {1: [(10, 14)]}
    segments[0] = make_segment("How old is the boiler?", 0.0, "agent")
    assert answered_references(segments) == {}


def test_a_whole_english_call_redacts_the_misheard_name_and_keeps_the_talk():
    from agents.redact.agent import analyzer_for

    transcript = {"language": "en", "audio_duration_s": 12.0, "channels": 2, "segments": [
        make_segment("Can I take your full name and postcode, please?", 0.0, "agent"),
        make_segment("Door knotting and it's Essex 9, 2-P-L.", 3.0, "client"),
        make_segment("Lovely, and what seems to be the problem?", 7.0, "agent")]}
    out = redact_transcript(analyzer_for("en"), transcript, ENGLISH_POLICY)
    texts = [s["text"] for s in out["segments"]]
    assert "knotting" not in texts[1] and "2-P-L" not in texts[1]
    assert texts[2] == "Lovely, and what seems to be the problem?"


# --- Russian ------------------------------------------------------------------------------

@pytest.mark.parametrize("reply, found", [
    ("гарбузов. Пётр гарбузов.", ["гарбузов", "Пётр", "гарбузов"]),
    ("Самойлова Ирина.", ["Самойлова", "Ирина"]),
])
def test_the_reply_to_an_ask_for_a_surname_is_the_name(reply, found):
    assert [reply[a:b] for a, b in _russian_reply_names(reply, morph())] == found


@pytest.mark.parametrize("reply", ["Сейчас скажу.", "Да, минуту.", "Подождите, посмотрю в договоре."])
def test_talk_in_reply_to_an_ask_for_a_surname_stays(reply):
    assert _russian_reply_names(reply, morph()) == []


def test_the_russian_ask_for_a_name_is_read_across_the_turn():
    segments = [make_segment("Как фамилия владельца?", 0.0, "agent"), make_segment("гарбузов.", 3.0, "client")]
    assert answered_names_loose(segments, "ru", morph()) == {1: [(0, 8)]}


@pytest.mark.parametrize("text, found", [
    ("Второе мая. Лица луговая. Девять.", ["луговая. Девять"]),  # «улица» misheard, no «дом»
    ("Заречная, 14, квартира 2.", ["Заречная, 14"]),
])
def test_a_street_before_the_house_number_answers_an_ask_for_an_address(text, found):
    assert [text[a:b] for a, b in russian_street_before_number(text, morph())] == found


@pytest.mark.parametrize("text", ["Третьего июня 61 года.", "Прихожая два на три метра.", "Живу там 12 лет."])
def test_dates_and_sizes_in_reply_to_an_ask_for_an_address_stay(text):
    assert russian_street_before_number(text, morph()) == []


def test_a_street_type_then_its_name_is_an_address_without_a_house():
    text = "так, улицы луговая, всё верно. На улице сегодня холодно."
    assert [text[a:b] for a, b in street_type_then_name(text, morph())] == ["улицы луговая"]


def test_an_ask_for_a_number_cut_between_two_segments_takes_the_reply():
    segments = [make_segment("Подскажите номер", 0.0, "agent"), make_segment("договора.", 2.0, "agent"),
                make_segment("Сейчас. 318.40", 4.0, "client")]
    assert answered_numbers_ru(segments) == {2: [(8, 14)]}


def test_give_me_the_number_asks_for_it():
    segments = [make_segment("Давайте номер заказа.", 0.0, "agent"),
                make_segment("Шесть, два, девять, ноль, один.", 3.0, "client")]
    assert 1 in answered_numbers_ru(segments)
    segments[0] = make_segment("Номер заказа у меня есть.", 0.0, "agent")
    assert answered_numbers_ru(segments) == {}


def test_a_whole_russian_call_redacts_the_answered_surname_and_street():
    from agents.redact.agent import analyzer_for

    transcript = {"language": "ru", "audio_duration_s": 12.0, "channels": 2, "segments": [
        make_segment("Как фамилия ученика?", 0.0, "agent"),
        make_segment("гарбузов. Пётр гарбузов.", 3.0, "client"),
        make_segment("Адрес участка подтвердите.", 6.0, "agent"),
        make_segment("Лица луговая. Девять.", 9.0, "client")]}
    out = redact_transcript(analyzer_for("ru"), transcript, RUSSIAN_POLICY)
    texts = " ".join(s["text"] for s in out["segments"])
    assert "гарбузов" not in texts and "луговая" not in texts and "Адрес участка подтвердите." in texts


def test_a_unit_before_a_number_is_no_street():
    assert russian_street_before_number("Подождите минут 20, перезвоню.", morph()) == []
