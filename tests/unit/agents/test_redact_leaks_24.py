"""Session 24 redaction leaks (issue 8): a Russian name found once in a call and written again by
ASR as it sounds («Гарбунова», «рудинка»); a child's or third person's first name said by what
only a person has ("Ellie's swimming lessons") or sent love ("give Ellie our love"). Every line
here is written for these tests; each reading has a near-twin that stays."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, RUSSIAN_POLICY, redact_transcript
from agents.redact.call_memory import near_name_spellings_ru, sound_key_ru, sounds_like_name_ru
from tests.unit.agents.test_redact import make_segment


def redacted(language: str, *turns: tuple[str, str]) -> list[str]:
    from agents.redact.agent import analyzer_for

    policy = ENGLISH_POLICY if language == "en" else RUSSIAN_POLICY
    segments = [make_segment(text, 12.0 * i, speaker) for i, (speaker, text) in enumerate(turns)]
    transcript = {"language": language, "audio_duration_s": 12.0 * len(turns), "channels": 2, "segments": segments}
    return [s["text"] for s in redact_transcript(analyzer_for(language), transcript, policy)["segments"]]


def test_a_russian_word_sounds_with_its_unstressed_vowels_reduced():
    assert sound_key_ru("Горбунова") == sound_key_ru("гарбунава") == sound_key_ru("Горбуново")
    assert sound_key_ru("Руденко") == sound_key_ru("рудинка")
    assert sound_key_ru("Лаптева") == sound_key_ru("лаптив") == "лаптив"  # the closing vowels left off


@pytest.mark.parametrize("name, heard", [("Горбунова", "гарбунова"), ("Руденко", "Рудинка"),
                                         ("Лаптева", "лаптива"), ("Ткаченко", "Ткачинко"),
                                         ("Колесникова", "Калесникава"), ("Лаптева", "лаптив")])
def test_a_name_heard_again_with_other_vowels_is_the_name(name, heard):
    assert sounds_like_name_ru(name, heard)


@pytest.mark.parametrize("name, word", [("Горбунова", "горбатого"), ("Громова", "громко"),
                                        ("Лаптева", "лапти"), ("Мельников", "мельница"),
                                        ("Давыдова", "давайте"), ("Гончарова", "Гончарова")])
def test_an_ordinary_word_that_sounds_close_is_not_the_name(name, word):
    assert not sounds_like_name_ru(name, word)


def test_near_spellings_of_a_russian_name_are_found_as_whole_words():
    text = "Да, гарбунова, вижу заказ, горбатого мостика нет."
    assert [text[a:b] for a, b in near_name_spellings_ru(text, "Горбунова")] == ["гарбунова"]
    assert near_name_spellings_ru(text, "Grace") == []
    assert near_name_spellings_ru(text, "Горбунова Ирина") == []


def test_the_agent_echoing_a_found_surname_as_asr_heard_it_is_redacted():
    out = redacted("ru", ("agent", "Назовите, пожалуйста, фамилию."),
                   ("client", "Колесникова Дарья."),
                   ("agent", "Да, калесникава, вижу, холодильник на завтра."))
    assert "калесникава" not in out[2] and "холодильник" in out[2]


def test_a_word_sounding_near_a_name_but_in_the_dictionary_stays():
    out = redacted("ru", ("agent", "Назовите, пожалуйста, фамилию."),
                   ("client", "Громова."),
                   ("agent", "Говорите громко, пожалуйста, вас плохо слышно."))
    assert "громко" in out[2]


def test_a_name_owning_what_only_a_person_has_is_redacted():
    out = redacted("en", ("agent", "Hello, I'm calling about Ellie's swimming lessons on Thursday."),
                   ("client", "Oh right, is it Ellie's teacher who's off?"))
    assert "Ellie" not in " ".join(out)


def test_love_sent_to_someone_named_is_redacted():
    out = redacted("en", ("agent", "That's all booked in for you."),
                   ("client", "Lovely, thank you."),
                   ("agent", "No problem, give Ellie our love. Bye now."))
    assert "Ellie" not in out[2]


def test_a_shop_a_weekday_or_a_bank_owning_something_stays():
    out = redacted("en", ("client", "It was the Monday's lessons that got moved, and Halifax's app won't load."),
                   ("agent", "Sorry about that, give it another go tonight."))
    assert "Monday's lessons" in out[0] and "Halifax's app" in out[0]


def test_a_surname_misheard_as_a_village_is_looked_for_through_the_call():
    from agents.redact.call_memory import misheard_name_ru

    assert misheard_name_ru("Горбуново") and not misheard_name_ru("Самара") and not misheard_name_ru("Горбунова Ирина")
    out = redacted("ru", ("client", "Здравствуйте, заказ оформлен на Горбуново, вода не приехала."),
                   ("agent", "Так, горбуново, вижу, две бутыли на сегодня."))
    assert "горбуново" not in out[1] and "бутыли" in out[1]


def test_a_known_city_found_once_is_not_swept_through_the_call():
    out = redacted("ru", ("client", "Я сейчас в Самаре, доставка туда же."),
                   ("agent", "Самарский склад работает до шести."))
    assert "Самарский" in out[1]


def test_who_or_a_pronoun_before_an_is_owns_nothing():
    from agents.redact.identity import OWNER_OF, _owner_named

    for text in ("Who's your mum, the one on the account?", "Harry's my son.", "That's the teacher I meant."):
        assert [m.group(1) for m in OWNER_OF.finditer(text) if _owner_named(m)] == [], text


def test_a_misheard_surname_before_the_full_name_in_the_reply_goes_with_it():
    out = redacted("ru", ("agent", "Понимаю. А как фамилия ученика?"),
                   ("client", "крапивкин. Тимофей крапивкин."),
                   ("agent", "Вижу, курс оплачен до мая."))
    assert "крапивкин" not in out[1] and "Тимофей" not in out[1]


def test_a_reply_opening_with_a_dictionary_word_is_no_name():
    out = redacted("ru", ("agent", "А как фамилия ученика?"),
                   ("client", "Подождите. Сейчас посмотрю."),
                   ("agent", "Хорошо, жду."))
    assert out[1] == "Подождите. Сейчас посмотрю."
