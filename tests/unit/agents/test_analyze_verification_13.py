"""Identity verification classes from session 11's batch (h-verify13; real e5 model, built-in
scorecards): a record value read out before the caller gave one, the last digits or a dispatch read
out, a change made "now", checks asked in few words, the record found ("вижу вас"), and Russian
checks by meaning that the caller answers with details. The lines are written for these tests,
none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import rule_search

from test_analyze_rules import by_id, redacted


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


def verification(scorecard, lines: list[tuple[str, str]], language: str = "en") -> dict:
    """The verdict on a call of (speaker, text) lines, three seconds each."""
    call = [(3.0 * i, 3.0 * i + 2.5, who, text) for i, (who, text) in enumerate(lines)]
    return by_id(analyze_with_rules(redacted(call, language), scorecard), "verification")


def matches(scorecard, field: str, language: str, text: str) -> bool:
    rules = getattr(scorecard.criterion("verification"), field)[language]
    return any(all(rule_search(p, text) for p in alternative) for alternative in rules)


# --- English --------------------------------------------------------------------------------------

EN_OPENING = [("agent", "Good morning, Brookside Lettings, Sam speaking."),
              ("client", "Hi, the keys for my new flat never turned up in the post.")]


def test_an_address_the_caller_never_gave_read_out_before_the_check_is_not_met(catalog):
    found = verification(catalog.scorecard("support-en"), EN_OPENING + [
        ("agent", "Okay, the keys were posted recorded delivery to <ADDRESS> last Friday."),
        ("client", "That's right."),
        ("agent", "Sorry, before we go on, what's your date of birth?"),
        ("client", "<DATE_TIME>.")])
    assert found["verdict"] == "not_met" and "<ADDRESS>" in found["evidence"][0]["quote"]


def test_an_address_said_back_after_the_caller_gave_it_is_no_disclosure(catalog):
    found = verification(catalog.scorecard("support-en"), EN_OPENING + [
        ("client", "I'm at <ADDRESS>."),
        ("agent", "So that's <ADDRESS>, got it."),
        ("agent", "And can you confirm your date of birth for me?"),
        ("client", "<DATE_TIME>.")])
    assert found["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "Is it still the landline ending six two zero?",
    "That's the card ending in 4471 on the account.",
    "Right, I'll freeze that card for you right now.",
    "I'm closing the old account now so it can't be used.",
    "Yours was dispatched on Tuesday by courier.",
    "They were sent out yesterday, first class.",
])
def test_last_digits_a_dispatch_or_a_change_made_now_is_an_act(catalog, line):
    assert matches(catalog.scorecard("support-en"), "must_precede", "en", line)


@pytest.mark.parametrize("line", [
    "The offer ends in two weeks for everyone.",
    "I'll cancel it once we've been through security.",
    "Our parcels go out twice a day.",
])
def test_general_talk_is_no_act(catalog, line):
    assert not matches(catalog.scorecard("support-en"), "must_precede", "en", line)


@pytest.mark.parametrize("line", [
    "Okay. Surname and date of birth, please.",
    "Full name and postcode?",
    "And the email address you booked with?",
    "The postcode the statement goes to?",
    "Thanks, <PERSON>. Those all check out.",
])
def test_a_check_asked_or_confirmed_in_few_words_counts(catalog, line):
    assert matches(catalog.scorecard("support-en"), "rules", "en", line)


def test_a_remark_about_matching_inside_a_longer_sentence_is_no_check(catalog):
    assert not matches(catalog.scorecard("support-en"), "rules", "en",
                       "I'll see if the colour matches what you ordered before I send it.")


# --- Russian --------------------------------------------------------------------------------------

RU_OPENING = [("agent", "Сервис «Ладога», здравствуйте, Ольга."),
              ("client", "Здравствуйте, у меня по договору ремонт стиральной машины, она опять течёт.")]


@pytest.mark.parametrize("line", [
    "Так, нашла вас, ремонт был в прошлую среду.",
    "Договор вижу, мастер приезжал двенадцатого.",
    "Угу, так, вижу.",
    "На ваше имя оформлена доставка на пятницу.",
    "Доплата за срочность полторы тысячи рублей.",
])
def test_the_record_found_is_an_act(catalog, line):
    assert matches(catalog.scorecard("support-ru"), "must_precede", "ru", line)


@pytest.mark.parametrize("line", [
    "Не вижу причин для отказа, оформим.",
    "Я вас слышу, давайте разберёмся.",
])
def test_words_of_seeing_or_hearing_are_no_act(catalog, line):
    assert not matches(catalog.scorecard("support-ru"), "must_precede", "ru", line)


@pytest.mark.parametrize("line", [
    "На какую почту оформлен аккаунт?",
    "А на кого записан договор?",
    "Спасибо, данные сходятся.",
    "Секунду, на какой телефон записан договор?",
])
def test_russian_checks_in_few_words_count(catalog, line):
    assert matches(catalog.scorecard("support-ru"), "rules", "ru", line)


def test_the_verb_of_ordering_a_part_does_not_make_the_check_applicable(catalog):
    assert not matches(catalog.scorecard("support-ru"), "applies_if", "ru", "Запчасть уже заказали, ждём.")
    assert matches(catalog.scorecard("support-ru"), "applies_if", "ru", "Номер заказа у вас есть?")


def test_a_russian_check_by_meaning_needs_an_answer_with_details(catalog):
    scorecard = catalog.scorecard("support-ru")
    ask = ("agent", "Для начала мне нужно удостовериться, что я говорю с владельцем.")
    answered = verification(scorecard, RU_OPENING + [ask, ("client", "<PERSON>, <DATE_TIME>."),
                                                     ("agent", "Спасибо. Мастер приедет завтра.")], "ru")
    unanswered = verification(scorecard, RU_OPENING + [ask, ("client", "Ну хорошо."),
                                                       ("agent", "Мастер приедет завтра.")], "ru")
    assert answered["verdict"] == "met"
    assert unanswered["verdict"] != "met"
