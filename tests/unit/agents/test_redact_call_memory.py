"""Session 12 leak classes (h-leak12): values that survived redaction because they were said
without the cue the readers rely on, or only once with it. A name joined to a found name, a name
said by role or naming an order, a street's name repeated without its number, a mailbox or code word
repeated back, Russian code words in lower case, Russian mailboxes said in words, and Russian
contract, order and car numbers. The lines are written for these tests; none is from the labelled
calls. Ordinary talk of the same look must stay."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, RUSSIAN_POLICY, build_analyzer, redact_transcript
from agents.redact.call_memory import (known_value_pattern, mailbox_words, names_beside_names,
                                       street_name_words)
from agents.redact.identity import FAMILY_NAME_CUE
from agents.redact.russian_details import (answered_numbers_ru, answered_secrets_ru,
                                           find_russian_details)
from agents.redact.spoken_details import names_of_orders
from aica.samples import find_leaks


def segment(text: str, start: float, speaker: str) -> dict:
    words = [{"start": start + 0.3 * i, "end": start + 0.3 * (i + 1), "word": (" " if i else "") + w,
              "probability": 0.9} for i, w in enumerate(text.split())]
    return {"start": start, "end": words[-1]["end"], "speaker": speaker, "text": text, "words": words}


def call(language: str, *turns: tuple[str, str]) -> dict:
    return {"language": language, "audio_duration_s": 60.0, "channels": 2,
            "segments": [segment(text, 5.0 * i, speaker) for i, (speaker, text) in enumerate(turns)]}


def texts(analyzer, transcript, policy) -> str:
    out = redact_transcript(analyzer, transcript, policy)
    return " ".join([s["text"] for s in out["segments"]]
                    + ["".join(w["word"] for w in s["words"]) for s in out["segments"]])


@pytest.fixture(scope="module")
def english_analyzer():
    return build_analyzer("en")


@pytest.fixture(scope="module")
def russian_analyzer():
    return build_analyzer("ru")


# --- pure pieces -------------------------------------------------------------------------------

def spans_of(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize("text, person, joined", [
    ("Yes, it's Priya Raghunathan calling.", "Priya", ["Raghunathan"]),
    ("Для Марины Олеговны, пожалуйста.", "Марины", ["Олеговны"]),
    ("So Jack's nine and Emily's six now.", "Emily", ["Jack"]),
    ("So Emily's six and Jack's nine now.", "Emily", ["Jack"]),
    ("both of them, Jack 9 and Emily's 6", "Emily", ["Jack"]),  # ASR dropped one possessive
])
def test_a_capitalised_word_joined_to_a_name_is_a_name(text, person, joined):
    start = text.index(person)
    assert spans_of(text, names_beside_names(text, [(start, start + len(person))])) == joined


@pytest.mark.parametrize("text, person", [
    ("Thanks Priya I can hear you.", "Priya"),            # "I" goes on the sentence
    ("Call Priya. Monday works.", "Priya"),                # a full stop between
    ("Pear and Apple, Priya speaking.", "Pear"),           # "and" without a possessive: a company's name
    ("Priya and Monday are fine.", "Priya"),
    # ASR capitalises a sentence it ran on: a pronoun or a verb is no surname
    ("Это Галина Мне пришёл счёт", "Галина"),
    ("Да, Олег Понимаете, тут такое дело", "Олег"),
])
def test_words_beside_a_name_that_are_not_names_stay(text, person):
    start = text.index(person)
    assert names_beside_names(text, [(start, start + len(person))]) == []


def test_a_street_is_remembered_by_its_name_without_type_or_number():
    assert street_name_words("27 Pennycress Lane, flat 4") == ["Pennycress"]
    assert street_name_words("улица Старокузнецкая, дом 8") == ["Старокузнецкая"]
    assert street_name_words("Manchester") == []  # a town has no street type: not remembered


def test_a_street_is_also_remembered_with_its_type_for_lower_case_asr():
    from agents.redact.call_memory import street_phrases
    assert street_phrases("41 tollgate crescent") == ["tollgate crescent"]
    assert street_phrases("nine Tollgate Crescent, flat 2") == ["Tollgate Crescent"]


def test_a_mailbox_is_remembered_by_its_local_words_not_its_dictation():
    assert mailbox_words("tolliver dot grace ninety at fastpost dot com") == ["tolliver", "grace"]
    assert mailbox_words("Лесовичок 17, собака, яндекс точка ру") == ["Лесовичок"]
    assert mailbox_words("пчёлка, слитно, потом 5, собака мейл точка ру") == ["пчёлка"]


def test_a_russian_value_is_found_in_any_case_ending():
    import re
    pattern = known_value_pattern("Старокузнецкая")
    assert re.search(pattern, "живу на Старокузнецкой", re.IGNORECASE)
    assert not re.search(known_value_pattern("Tollmarsh"), "Tollmarshes", re.IGNORECASE)


@pytest.mark.parametrize("text, name", [
    ("my daughter Imogen starts on Monday", "Imogen"),
    ("our eldest, Barnaby, has the tickets", "Barnaby"),
    ("their lodger Wojciech Nowak pays it", "Wojciech Nowak"),
    # "'s called" and "'s name's": the apostrophe form of "is called"
    ("and my grandson's called Tobias, he's nine", "Tobias"),
    ("our niece's name's Marisol", "Marisol"),
])
def test_a_name_said_by_who_they_are_to_the_caller(text, name):
    assert [m.group(1) for m in FAMILY_NAME_CUE.finditer(text)] == [name]


@pytest.mark.parametrize("text, name", [
    ("can you check the Achterberg booking please", "Achterberg"),
    ("it's booked under Oyelaran, I think", "Oyelaran"),
    ("it's in the name of Vasquez-Hart", "Vasquez-Hart"),
])
def test_a_surname_naming_an_order(text, name):
    assert spans_of(text, names_of_orders(text)) == [name]


@pytest.mark.parametrize("text", [
    "you'll find it in the app under Settings",
    "the Christmas booking is full",
    "my son is fine, thanks",
    "Is the Monday order ready?",
])
def test_menus_holidays_and_kin_without_a_name_stay(text):
    assert names_of_orders(text) == []


@pytest.mark.parametrize("text, value, entity", [
    ("Кодовое слово — подсолнух.", "подсолнух", "PASSWORD"),
    ("пароль у меня такой: лимонад", "лимонад", "PASSWORD"),
    ("ну когда вот есть слово «подсолнух», быстрее", "подсолнух", "PASSWORD"),  # the cue garbled by ASR
    ("Ящик: Лесовичок 17, собака, яндекс точка ру.", "Лесовичок 17, собака, яндекс точка ру", "EMAIL_ADDRESS"),
    ("Записывайте пчёлка, слитно, 5, собака мейл точка ру", "пчёлка, слитно, 5, собака мейл точка ру", "EMAIL_ADDRESS"),
    ("По договору 5813 07 у меня долг", "5813 07", "ID_NUMBER"),
    ("Паспорт, секунду... 46 21, номер потом скажу", "46 21", "RU_PASSPORT"),
])
def test_russian_details_said_without_a_document_shape(text, value, entity):
    assert (value, entity) in [(text[a:b], e) for a, b, e in find_russian_details(text)]


@pytest.mark.parametrize("text", [
    "Кодовое слово не помню, честно.",
    "Кодовое слово по договору какое?",
    "У меня собака дома, точка.",
    "Заказ 2500 рублей, оплатила.",
])
def test_russian_talk_about_details_stays(text):
    assert [e for *_, e in find_russian_details(text) if e != "RU_PASSPORT"] == []


def test_a_russian_code_word_reply_is_the_short_sentence_not_the_words_asked_with():
    segments = [{"speaker": "agent", "text": "Назовите номер договора и кодовое слово."},
                {"speaker": "client", "text": "Договор... сейчас. Синий кит."}]
    found = answered_secrets_ru(segments)
    assert spans_of(segments[1]["text"], found[1]) == ["Синий кит"]


def test_a_reply_to_a_request_for_a_number_has_its_numbers_and_letters_redacted():
    segments = [{"speaker": "agent", "text": "Госномер продиктуйте."},
                {"speaker": "client", "text": "Ну... Ха пятьсот двенадцать ВС, за пятьсот рублей брал."},
                {"speaker": "client", "text": "Номер у меня где-то был, семьсот сорок."},
                {"speaker": "agent", "text": "Номер полиса, пожалуйста."},
                {"speaker": "client", "text": "Ой... девяносто один двести шесть."}]
    found = answered_numbers_ru(segments)
    assert spans_of(segments[1]["text"], found[1]) == ["Ха пятьсот двенадцать ВС"]
    assert 2 not in found  # the caller mentioning a number is no request for one
    assert spans_of(segments[4]["text"], found[4]) == ["девяносто один двести шесть"]


# --- whole calls --------------------------------------------------------------------------------

def test_english_names_streets_and_orders_are_redacted_wherever_they_recur(english_analyzer):
    transcript = call(
        "en",
        ("agent", "Hello, Tidewell Plumbing, how can I help?"),
        ("client", "Hi, it's Rosalind, Rosalind Quarrendon, at 9 Pennycress Lane."),
        ("agent", "Thanks Rosalind. That's the Quarrendon job, the boiler?"),
        ("client", "Yes, and honestly, down Pennycress the water's been off since Monday."),
    )
    out = texts(english_analyzer, transcript, ENGLISH_POLICY)
    assert find_leaks(["Rosalind Quarrendon", "Pennycress"], out) == []
    assert "Tidewell Plumbing" in out and "since Monday" in out


def test_a_lower_case_street_repeated_without_its_number_is_redacted(english_analyzer):
    transcript = call(
        "en",
        ("agent", "And the first line of the address?"),
        ("client", "41 tollgate crescent, well, tollgate crescent north really."),
    )
    out = texts(english_analyzer, transcript, ENGLISH_POLICY)
    assert find_leaks(["tollgate"], out) == [] and "really" in out


def test_russian_code_words_mailboxes_and_numbers_do_not_survive(russian_analyzer):
    transcript = call(
        "ru",
        ("agent", "Назовите, пожалуйста, номер заказа и кодовое слово."),
        ("client", "Заказ... пятьдесят девять триста семь. Подсолнух."),
        ("agent", "Подсолнух, верно. Куда прислать чек?"),
        ("client", "На почту: лесовичок семнадцать, собака, яндекс точка ру."),
        ("agent", "Лесовичок семнадцать, записала. Сумма две тысячи рублей."),
    )
    out = texts(russian_analyzer, transcript, RUSSIAN_POLICY)
    assert find_leaks(["подсолнух", "59307", "лесовичок"], out) == []
    assert "две тысячи рублей" in out and "записала" in out


def test_a_request_for_passport_details_without_a_question_still_has_its_reply_redacted():
    """"Для проверки - серию паспорта" asks for the number as much as a question does; the series
    said alone (four digits) goes with the number."""
    segments = [{"speaker": "agent", "text": "Хорошо, и для проверки серию и номер паспорта."},
                {"speaker": "client", "text": "Так... тридцать восемь ноль два, номер пятьсот один... двести шестьдесят."}]
    found = answered_numbers_ru(segments)
    assert spans_of(segments[1]["text"], found[1])[0] == "тридцать восемь ноль два"
