"""Russian identity verification (h-verru23; real e5 model, built-in scorecards): details the agent
takes to make a new booking or to reach the caller check no record, and unless the agent opened a
record before them there is none to guard (na); a key to an existing booking asked beside them is
still a check. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from test_analyze_verification_13 import matches, verification


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


BOOKING_OPENING = [("agent", "Студия керамики «Глина», здравствуйте."),
                   ("client", "Здравствуйте, хочу записаться на мастер-класс по гончарному кругу.")]


@pytest.mark.parametrize("ask", [
    "Ваш телефон для связи?",
    "Имя и телефон для записи, пожалуйста.",
    "Как к вам обращаться?",
    "Почта для подтверждения?",
    "Ставлю вас на субботу. Как вас зовут и телефон?",
])
def test_details_for_a_new_booking_are_no_check(russian, ask):
    assert matches(russian, "reject_if", "ru", ask)
    assert matches(russian, "new_record_if", "ru", ask)


@pytest.mark.parametrize("ask", [
    "Номер брони и телефон для связи?",
    "Телефон, на который оформлена запись?",
    "Как вас зовут и дата рождения?",
    "Для подтверждения назовите дату рождения.",
])
def test_the_same_asks_naming_the_record_stay_checks(russian, ask):
    assert not matches(russian, "reject_if", "ru", ask)
    assert not matches(russian, "new_record_if", "ru", ask)


def test_an_advance_payment_is_no_ask(russian):
    assert not matches(russian, "new_record_if", "ru", "Мастер-класс два часа, предоплата для брони тысяча рублей.")


def test_a_new_booking_paid_by_card_is_not_applicable(russian):
    # the price read out and the payment taken come after the booking's details: acts on the new booking
    found = verification(russian, BOOKING_OPENING + [
        ("agent", "Есть место в субботу в двенадцать. Имя и телефон для записи, пожалуйста."),
        ("client", "<PERSON>, <PHONE_NUMBER>."),
        ("agent", "Записала. Оплата две тысячи, списываю с карты, которую продиктуете."),
        ("client", "Хорошо."),
        ("agent", "Оплата прошла, ждём вас в субботу.")], language="ru")
    assert found["verdict"] == "na"
    assert "new booking" in found["rationale"]


def test_a_record_opened_before_the_contact_ask_still_needs_a_check(russian):
    # the agent read out the caller's existing booking first: a check was due and never came
    found = verification(russian, [
        ("agent", "Студия керамики «Глина», здравствуйте."),
        ("client", "Здравствуйте, я у вас записана на субботу, хочу перенести."),
        ("agent", "Вижу вас, суббота, двенадцать часов, оплачено две тысячи."),
        ("client", "Да, перенесите на воскресенье."),
        ("agent", "Перенесла на воскресенье. Ваш телефон для связи?"),
        ("client", "<PHONE_NUMBER>.")], language="ru")
    assert found["verdict"] == "not_met"
