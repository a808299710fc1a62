"""Identity verification classes for session 15 (h-verify15; real e5 model, built-in scorecards):
a caller who has no record with the company yet (a first-time caller, not a customer, nothing found
under their name) leaves nothing to guard, so a missing check is na, unless the agent still opens
or changes a record. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest


from test_analyze_verification_13 import matches, verification


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


# --- English --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "We've never actually dealt with your firm before, a friend recommended you.",
    "It's the first time I've rung you, so bear with me.",
    "I'm not a customer yet, I'm just after a quote.",
    "My husband hasn't used your service before either.",
    "Sorry, I can't find any account under that surname.",
    "We don't have an account with you at all.",
])
def test_words_that_the_caller_has_no_record_yet(catalog, line):
    assert matches(catalog.scorecard("support-en"), "no_record_if", "en", line)


@pytest.mark.parametrize("line", [
    "I've never had a bill this high.",
    "It's the first time the boiler's done this.",
    "You're not the account holder, I'm afraid.",
    "I don't have my account number to hand.",
    "I'm not a customer service person, I'm in billing.",
])
def test_an_existing_customers_words_are_not_no_record(catalog, line):
    assert not matches(catalog.scorecard("support-en"), "no_record_if", "en", line)


NEW_CALLER = [("agent", "Hello, Ashgrove Gutters, Mel speaking."),
              ("client", "Hi, we've never used you lot before, can someone clear the gutters on my house and fix the account of the damage?"),
              ("agent", "Sure, we can get someone out on Thursday, it's sixty pounds for a semi."),
              ("client", "Great, put me down for that please.")]


def test_a_first_time_caller_without_a_check_is_na(catalog):
    found = verification(catalog.scorecard("support-en"), NEW_CALLER)
    assert found["verdict"] == "na"


def test_a_first_time_caller_whose_record_the_agent_reads_out_still_needs_a_check(catalog):
    found = verification(catalog.scorecard("support-en"), NEW_CALLER + [
        ("agent", "Oh hang on, I can see an unpaid bill of forty pounds on your account from last year.")])
    assert found["verdict"] == "not_met"


# --- Russian --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Мы к вам впервые, соседка посоветовала.",
    "Я пока не ваш клиент, хотела узнать условия.",
    "Я никогда раньше вашими услугами не пользовалась, наверное.",
    "Так, не нахожу договора на такую фамилию.",
])
def test_ru_words_that_the_caller_has_no_record_yet(catalog, line):
    assert matches(catalog.scorecard("support-ru"), "no_record_if", "ru", line)


@pytest.mark.parametrize("line", [
    "Первый раз такое, что счёт пришёл двойной.",
    "У меня нет договора под рукой.",
    "Мне никто никогда не перезванивает.",
])
def test_ru_an_existing_customers_words_are_not_no_record(catalog, line):
    assert not matches(catalog.scorecard("support-ru"), "no_record_if", "ru", line)


def test_ru_a_first_time_caller_without_a_check_is_na(catalog):
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Здравствуйте, клининговая компания «Блеск», Ольга."),
        ("client", "Добрый день, я у вас впервые, хочу заказать уборку после ремонта и оплатить картой."),
        ("agent", "Хорошо, в субботу можем приехать, стоимость пять тысяч."),
        ("client", "Отлично, записывайте.")], "ru")
    assert found["verdict"] == "na"


# --- the record as found by a key, read out before the check (ordering.states_looked_up_fact) ------

def test_the_record_read_out_after_a_key_alone_then_a_check_is_not_met(catalog):
    found = verification(catalog.scorecard("support-en"), [
        ("agent", "Good morning, Oakline Gym, Priti speaking."),
        ("client", "Hi, I want to pause my membership, I've hurt my knee."),
        ("agent", "What's the membership number?"),
        ("client", "It's <DIGIT_RUN>."),
        ("agent", "Okay, got it. Off-peak plan, twenty-two pounds, taken on the fifth."),
        ("client", "That's the one."),
        ("agent", "And can you confirm your date of birth for me?"),
        ("client", "<DATE_TIME>.")])
    assert found["verdict"] == "not_met" and "twenty-two" in found["evidence"][0]["quote"]


def test_a_check_asked_straight_after_the_key_is_met(catalog):
    found = verification(catalog.scorecard("support-en"), [
        ("agent", "Good morning, Oakline Gym, Priti speaking."),
        ("client", "Hi, I want to pause my membership, I've hurt my knee."),
        ("agent", "What's the membership number?"),
        ("client", "It's <DIGIT_RUN>."),
        ("agent", "Thanks, and can you confirm your date of birth for me?"),
        ("client", "<DATE_TIME>."),
        ("agent", "Lovely. Off-peak plan, twenty-two pounds, taken on the fifth, I'll pause it from Monday.")])
    assert found["verdict"] == "met"


def test_details_taken_for_a_new_job_are_no_key_to_a_record(catalog):
    from agents.analyze.ordering import LOOKUP_ASK
    assert not LOOKUP_ASK["en"].search("And a name and a number for the fitter to call?")
    assert LOOKUP_ASK["en"].search("Right, what's the reference on your letter?")


def test_the_callers_own_values_said_back_are_no_record_fact(catalog):
    found = verification(catalog.scorecard("support-en"), [
        ("agent", "Hello, Tidewater Ferries."),
        ("client", "Hi, I need to change the booking for my car on the crossing."),
        ("agent", "What's the booking reference?"),
        ("client", "Seven four two."),
        ("agent", "Seven four two."),
        ("agent", "And the postcode on the booking, please?"),
        ("client", "<ADDRESS>.")])
    assert found["verdict"] == "met"


def test_a_yes_or_no_about_the_account_is_no_key_given(catalog):
    found = verification(catalog.scorecard("support-en"), [
        ("agent", "Hello, Brightline Mobile."),
        ("client", "Hi, it's about my dad's phone bill, it's gone up."),
        ("agent", "Are you named on the account with him?"),
        ("client", "No, it's just his."),
        ("agent", "Then I can't discuss his bill, I'm afraid. Prices rose by five percent in May for all customers."),
        ("client", "Oh, okay.")])
    assert found["verdict"] == "na"


def test_ru_a_key_given_over_two_caller_turns_then_the_record_read_out_is_not_met(catalog):
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Служба доставки «Курьер-Плюс», Ирина, здравствуйте."),
        ("client", "Здравствуйте, где моя посылка, обещали вчера."),
        ("agent", "Номер заказа подскажите?"),
        ("client", "Ой, сейчас."),
        ("client", "<DIGIT_RUN>."),
        ("agent", "Так, доставка на четырнадцатое, курьер Сергей, до двух часов."),
        ("client", "Да, это мой."),
        ("agent", "Назовите, пожалуйста, дату рождения."),
        ("client", "<DATE_TIME>.")], "ru")
    assert found["verdict"] == "not_met"
