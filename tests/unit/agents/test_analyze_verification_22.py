"""Russian identity verification (h-verru22; real e5 model, built-in scorecards): a key the caller
says in words is still a number; a key asked together with a detail the record holds is a check;
found by meaning alone, a check must name what it checks, and the agent's own name is none. The
lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.ordering import gives_number
from test_analyze_verification_13 import verification


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


OPENING = [("agent", "Мастерская по ремонту часов, слушаю."),
           ("client", "Здравствуйте, я забрал у вас часы после ремонта, а они снова встали.")]


def test_a_number_said_in_words_is_a_number():
    assert gives_number("Сейчас... триста сорок два.", "ru")
    assert gives_number("Ноль семь, пять один.", "ru")
    assert not gives_number("Да, конечно.", "ru")
    assert not gives_number("Три.", "ru")  # one number word may answer "how many"
    assert not gives_number("three four two", "en")  # English keeps digits only


def test_a_key_said_in_words_then_the_record_read_out_makes_the_check_due(catalog):
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "Номер квитанции скажите."),
        ("client", "Триста сорок два."),
        ("agent", "Так, часы наручные, замена батарейки, выданы девятого, оплачено шестьсот рублей."),
        ("client", "Да, они."),
        ("agent", "Приносите, посмотрим по гарантии.")], language="ru")
    assert found["verdict"] == "not_met"


def test_a_yes_to_an_early_short_question_opens_no_record(catalog):
    # the caller's "yes" is no key, so nothing was looked up and no check was due
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Мастерская по ремонту часов, слушаю."),
        ("client", "Здравствуйте, вы ремешки меняете?"),
        ("agent", "Меняем. Часы с собой?"),
        ("client", "Да, конечно."),
        ("agent", "Приходите, замена ремешка стоит шестьсот рублей.")], language="ru")
    assert found["verdict"] == "na"


def test_a_key_asked_with_the_phone_on_the_record_is_a_check(catalog):
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "Номер квитанции и телефон, на который оформляли."),
        ("client", "<ID_NUMBER>. Телефон <PHONE_NUMBER>."),
        ("agent", "Так, всё совпадает. Часы наручные, замена батарейки, выданы девятого."),
        ("client", "Да, они."),
        ("agent", "Приносите, посмотрим по гарантии.")], language="ru")
    assert found["verdict"] == "met"


def test_the_phone_the_account_is_under_is_a_check(catalog):
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "Продиктуйте почту, на которую зарегистрирован ваш кабинет."),
        ("client", "<EMAIL_ADDRESS>."),
        ("agent", "Вижу, заказ от девятого, оплачен картой."),
        ("client", "Да, он.")], language="ru")
    assert found["verdict"] == "met"


def test_lets_have_a_look_is_no_check_by_meaning(catalog):
    # an offer to look into it, answered with a number, names nothing to check
    found = verification(catalog.scorecard("support-ru"), OPENING + [
        ("agent", "Давайте посмотрим, что там с вашими часами."),
        ("client", "Квитанция у меня <ID_NUMBER>."),
        ("agent", "Так, замена батарейки, выданы девятого, оплачено шестьсот рублей."),
        ("client", "Да.")], language="ru")
    assert found["verdict"] == "not_met"


def test_the_agents_own_name_is_no_check(catalog):
    # the caller greets the agent by name after the introduction: that checks nobody
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Добрый день, часовая мастерская «Минута», меня зовут <PERSON>. Чем помочь?"),
        ("client", "Здравствуйте, <PERSON>. Часы после ремонта опять встали, квитанция <ID_NUMBER>."),
        ("agent", "Вижу, замена батарейки девятого, оплачено шестьсот рублей."),
        ("client", "Да, это мои.")], language="ru")
    assert found["verdict"] == "not_met"
