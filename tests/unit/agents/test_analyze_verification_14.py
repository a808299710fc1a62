"""Identity verification classes from session 12's batch (h-verify14; real e5 model, built-in
scorecards): a caller's own "birthday" is no check asked, a card's payment details are no identity
check, a debt or a failed payment read out is a disclosure, the number the caller gave asked back
is a check, "Вижу, ..." about something other than the record is no act, and a check the caller
cannot answer is no check. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest


from test_analyze_verification_13 import matches, verification


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


# --- English --------------------------------------------------------------------------------------

def test_a_callers_birthday_plans_do_not_make_the_check_applicable(catalog):
    scorecard = catalog.scorecard("support-en")
    assert not matches(scorecard, "applies_if", "en", "The balloons were for my son's birthday party.")
    assert matches(scorecard, "applies_if", "en", "And your birthday, just to check?")


@pytest.mark.parametrize("line", [
    "<PERSON> and the security code?",
    "Lovely, and the expiry on that one?",
    "And the three numbers on the back, please?",
])
def test_a_cards_payment_details_are_no_identity_check(catalog, line):
    scorecard = catalog.scorecard("support-en")
    assert matches(scorecard, "reject_if", "en", line)


def test_a_security_question_on_the_account_is_still_a_check(catalog):
    assert not matches(catalog.scorecard("support-en"), "reject_if", "en",
                       "Can you give me the answer to the security question on the account?")


@pytest.mark.parametrize("line", [
    "So there's four hundred and ten pounds still outstanding on your account.",
    "I'm ringing because your direct debit bounced last week.",
    "The premium payment failed on Monday, I'm afraid.",
])
def test_a_debt_or_a_failed_payment_read_out_is_an_act(catalog, line):
    assert matches(catalog.scorecard("support-en"), "must_precede", "en", line)


def test_the_number_the_caller_gave_asked_back_is_a_check(catalog):
    assert matches(catalog.scorecard("support-en"), "rules", "en",
                   "Whose name is it in, and which mobile number did you leave with us?")


def test_a_check_the_caller_cannot_answer_then_the_record_read_out_is_not_met(catalog):
    found = verification(catalog.scorecard("support-en"), [
        ("agent", "Hello, Fernway Lettings, how can I help?"),
        ("client", "Hi, it's about the rent on my flat."),
        ("agent", "Sure, what's the postcode on the tenancy?"),
        ("client", "Oh, I don't know, my partner sorted all that."),
        ("agent", "Not to worry. So there's six hundred pounds outstanding on your account from March.")])
    assert found["verdict"] == "not_met"


# --- Russian --------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Вижу, на линии обрыв, бригада выехала.",
    "Вижу, у нас по району плановые работы.",
])
def test_seeing_an_event_in_the_area_is_no_act(catalog, line):
    assert not matches(catalog.scorecard("support-ru"), "must_precede", "ru", line)


@pytest.mark.parametrize("line", [
    "Так, вижу, третьего ноября у вас была замена фильтра.",
    "Вижу, пятница, девятое, доставка до обеда.",
    "Вижу.",
])
def test_the_record_seen_with_its_date_is_an_act(catalog, line):
    assert matches(catalog.scorecard("support-ru"), "must_precede", "ru", line)


def test_two_details_listed_with_a_comma_are_a_check(catalog):
    assert matches(catalog.scorecard("support-ru"), "rules", "ru", "Фамилию, адрес подскажите?")


def test_a_russian_check_the_caller_cannot_answer_is_no_check(catalog):
    found = verification(catalog.scorecard("support-ru"), [
        ("agent", "Служба «Теплосеть», здравствуйте."),
        ("client", "Здравствуйте, у меня по договору вопрос, батареи холодные."),
        ("agent", "Назовите, пожалуйста, кодовое слово."),
        ("client", "Ой, я не помню. Муж ставил."),
        ("agent", "Ладно, запишу заявку, мастер придёт в среду.")], "ru")
    assert found["verdict"] == "not_met"
