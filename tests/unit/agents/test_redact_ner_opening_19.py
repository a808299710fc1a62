"""Russian NER names at a segment's or sentence's start: ASR capitalises the first word there, so
a misheard word or an interjection the NER takes for a person is kept when the dictionary knows it
as no name and nothing about it asks for or gives a name; a real name there is still removed."""
from agents.redact.russian import NatashaRecognizer, misheard_opening_word, natasha_models


def people(text: str) -> list[str]:
    return [text[r.start:r.end] for r in NatashaRecognizer().analyze(text, ["PERSON"])]


def opening(text: str, word: str) -> bool:
    start = text.index(word)
    return misheard_opening_word(text, start, start + len(word), natasha_models()["morph"])


def test_interjection_opening_a_segment_is_no_name():
    assert opening("Ай, ну это очень неприятно, давайте посмотрим.", "Ай")


def test_ordinary_noun_opening_a_sentence_is_no_name():
    assert opening("Сейчас проверю. Точка выдачи уже закрыта.", "Точка")


def test_first_name_opening_a_segment_is_still_a_name():
    assert not opening("Сергей, подскажите, когда привезут заказ?", "Сергей")
    assert "Сергей" in people("Сергей, подскажите, когда привезут заказ?")


def test_surname_opening_a_segment_is_still_removed():
    assert "Петрова" in people("Петрова. Я вчера оставляла заявку на ремонт.")


def test_word_after_a_request_for_the_surname_stays_a_name():
    assert not opening("Назовите фамилию. Каса.", "Каса")


def test_word_followed_by_a_capitalised_word_stays_a_name():
    assert not opening("Шина Олеговна, добрый день.", "Шина")


def test_word_inside_a_sentence_is_not_judged_here():
    assert not opening("Вам звонила Шина из отдела доставки.", "Шина")


def test_unknown_word_guessed_as_an_adjective_may_be_a_misheard_surname():
    assert not opening("Громово, да, помню ваш заказ.", "Громово")


def test_plural_name_reading_alone_does_not_make_a_name():
    assert opening("Ай, как неудобно получилось.", "Ай")
