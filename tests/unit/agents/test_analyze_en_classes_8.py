"""Classes added with support-en 8 (real e5 model, built-in scorecard), found on ten calibrate calls
in settings the set lacked (hotel, car hire, dentist, roadside rescue, groceries, credit card,
student halls, pension): belittling the caller's problem is rude and no empathy; a holder's detail
asked beside a number is a check; a sum of the customer's read out before the check is a
disclosure, a card number the caller has just dictated read back is not; a thank-you after the
check and an opening of redacted names alone are no greeting; what the record shows happened is
no next step. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_criteria_classes import judged
from test_analyze_ordering import CLOSING, english, verification  # noqa: F401 (english is a fixture)
from test_analyze_rules import by_id, redacted

WORRY = "My order's a week late and I'm worried it's lost, it was a present."


@pytest.mark.parametrize("line", [
    "Come on, it's one late parcel, it's hardly the end of the world.",
    "You're not the only one waiting for a delivery.",
    "Couriers have bad days too, you know.",
    "Well, it's hardly a disaster, is it.",
])
def test_belittling_the_callers_problem_is_rude_and_no_empathy(english, line):  # noqa: F811
    rude = judged(english, WORRY, line, "no_rude_language")
    assert rude["verdict"] == "not_met" and rude["evidence"][0]["quote"] in line
    assert judged(english, WORRY, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "That's not the end of the line for it, the depot will try again tomorrow.",
    "You know, I think it's with the local depot.",
    "I'd be fed up too, you know.",
    "I'd get worried as well, you know.",
])
def test_ordinary_lines_with_the_same_words_are_not_rude(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "no_rude_language")["verdict"] == "met"


@pytest.mark.parametrize("line", ["I'd be fed up too, you know.", "I'd get worried as well, you know."])
def test_a_feeling_shared_with_you_know_is_still_empathy(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "empathy")["verdict"] == "met"


@pytest.mark.parametrize("ask", [
    "Can I take the reference and your postcode, please?",
    "Could I have your customer number and your date of birth?",
])
def test_a_number_asked_with_the_holders_detail_is_a_check(english, ask):  # noqa: F811
    found, _ = verification(english, [ask, "Thanks, I've found it and I've moved the payment date."])
    assert found["verdict"] == "met"


@pytest.mark.parametrize("disclosure", [
    "Your savings are at twelve thousand four hundred right now.",
    "Your pension pot stands at ninety thousand pounds.",
])
def test_a_sum_of_the_customers_read_out_before_the_check_is_a_disclosure(english, disclosure):  # noqa: F811
    found, _ = verification(english, [disclosure + " Can I confirm your full name and date of birth?"])
    assert found["verdict"] == "not_met" and found["evidence"][0]["quote"] == disclosure


def card_call(agent_line: str) -> dict:
    return redacted([
        (0.0, 5.0, "agent", "Hello, Lakeside Water, Tom speaking, this call is recorded."),
        (5.5, 10.0, "client", "I want to pay my overdue bill. The card is <CREDIT_CARD>."),
        (10.5, 15.0, "agent", agent_line),
        (15.5, 18.0, "client", "<DATE_TIME>."),
        (18.5, 22.0, "agent", "Thank you, I've taken the payment.")] + CLOSING)


def test_a_card_the_caller_just_dictated_read_back_is_no_disclosure(english):  # noqa: F811
    analysis = analyze_with_rules(card_call("So that's <CREDIT_CARD>. And your date of birth, please?"), english)
    assert by_id(analysis, "verification")["verdict"] == "met"
    assert by_id(analysis, "card_not_read_back")["verdict"] == "not_met"  # the read-back itself still fails


def test_a_card_the_agent_reads_from_the_record_first_is_a_disclosure(english):  # noqa: F811
    line = "The card we hold is <CREDIT_CARD>, is that still right? And your date of birth, please?"
    call = card_call(line)
    call["segments"][1]["text"] = "I want to pay my overdue bill."
    call["entities"] = [e for e in call["entities"] if e["segment"] != 1]
    assert by_id(analyze_with_rules(call, english), "verification")["verdict"] == "not_met"


def greeting_of(scorecard, opening: str) -> dict:
    call = [(0.0, 3.0, "agent", opening), (3.5, 8.0, "client", "Hi, I need to change my booking."),
            (8.5, 12.0, "agent", "Can I take your name and date of birth?"), (12.5, 15.0, "client", "<PERSON>, <DATE_TIME>."),
            (15.5, 19.0, "agent", "Thank you, <PERSON>, that's you all checked.")] + CLOSING
    return by_id(analyze_with_rules(redacted(call), scorecard), "greeting")


@pytest.mark.parametrize("opening", ["<PERSON>, <PERSON>.", "<PERSON> <LOCATION>."])
def test_redacted_names_alone_and_a_later_thank_you_are_no_greeting(english, opening):  # noqa: F811
    assert greeting_of(english, opening)["verdict"] == "not_met"


def test_a_greeting_with_the_agents_name_still_counts(english):  # noqa: F811
    assert greeting_of(english, "Good morning, Lakeside Water, <PERSON> speaking.")["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "I can see the late fee was added on Wednesday.",
    "I can see the parcel was scanned at the depot on Sunday night.",
])
def test_what_the_record_shows_happened_is_no_next_step(english, line):  # noqa: F811
    assert judged(english, "Why is there a fee on my account?", line, "resolution")["verdict"] == "not_met"
