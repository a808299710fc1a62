"""Identity verification from audio (h-verif19; real e5 model, built-in scorecards): the ASR garbles
or redacts the agent's ask for a key to the record ("Номер заказа назовите" heard as "Но мер
заказы зовите." or "<PERSON>, скажите."), so the ask is known by its shape: a short agent turn early
in the call, answered with a number, after which the agent reads out what the record holds. The
lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from test_analyze_verification_13 import verification


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


OPENING = [("agent", "Ремонт обуви, слушаю вас."),
           ("client", "Здравствуйте, я забирала у вас ботинки, а подошва опять отклеилась.")]


def test_a_garbled_ask_for_a_number_then_the_record_read_out_makes_the_check_due(catalog):
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "Но мер зовите."),
        ("client", "Сейчас, <ID_NUMBER>."),
        ("agent", "Так, ботинки мужские, подошва, оплачено восемьсот рублей четвёртого числа."),
        ("client", "Да, они."),
        ("agent", "Приносите, мастер посмотрит.")], language="ru")
    assert found["verdict"] == "not_met"


def test_a_check_asked_after_the_record_was_read_out_by_a_garbled_key_is_too_late(catalog):
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "<PERSON>, скажите."),
        ("client", "<DIGIT_RUN>."),
        ("agent", "Вот, ремонт подошвы, оплачен двенадцатого, гарантия тридцать дней."),
        ("client", "Да."),
        ("agent", "Назовите, пожалуйста, вашу фамилию и дату рождения."),
        ("client", "<PERSON>, <DATE_TIME>.")], language="ru")
    assert found["verdict"] == "not_met"


def test_a_name_asked_early_is_no_key_to_a_record(catalog):
    # "Как к вам обращаться?" answered with a name opens nothing: no check is due
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Студия танца, здравствуйте."),
        ("client", "Здравствуйте, хочу прийти на пробное занятие."),
        ("agent", "Как к вам обращаться?"),
        ("client", "<PERSON>."),
        ("agent", "Пробное в четверг в семь, стоит пятьсот рублей.")], language="ru")
    assert found["verdict"] == "na"


def test_a_phone_taken_late_for_a_callback_opens_no_record(catalog):
    # a number given at the end for a callback, then a time: nothing was looked up
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Студия танца, здравствуйте."),
        ("client", "Здравствуйте, хочу прийти на пробное занятие."),
        ("agent", "Хорошо, группы начинающих есть по вторникам и четвергам."),
        ("client", "А можно узнать, есть ли места?"),
        ("agent", "Уточню у тренера и перезвоню."),
        ("agent", "Ваш телефон?"),
        ("client", "<DIGIT_RUN>."),
        ("agent", "Перезвоню до пяти часов.")], language="ru")
    assert found["verdict"] == "na"


def test_a_long_question_answered_with_a_number_is_no_ask_for_a_key(catalog):
    # the caller's count answers a question about the problem, not a key to a record
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Сервисный центр, здравствуйте."),
        ("client", "Здравствуйте, у меня посудомойка шумит."),
        ("agent", "А скажите, пожалуйста, как давно она так шумит и вы её сами не передвигали?"),
        ("client", "Дня три, наверное."),
        ("agent", "Мастер может приехать в пятницу, выезд пятьсот рублей.")], language="ru")
    assert found["verdict"] == "na"
