"""Verdict classes added with support-en 5 (real e5 model, built-in scorecard), found on calls
in shapes the calibrate half lacked (outgoing calls, insurance, a GP surgery, meter readings): the
load named and sympathy shown by raising the job for the caller's circumstance are empathy; a
change on the record and opening hours answered are resolution; sarcasm about the caller's
choice is rude while a plain refusal is not; "bye" closes, a request for payment does not. The
lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_criteria_classes import AGENT_OPENING, judged
from test_analyze_rules import by_id, redacted


@pytest.fixture(scope="module")
def scorecard(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.mark.parametrize("line", [
    "Three moves in a year, that's a lot to deal with. Let me look.",
    "That's been really tough on you, hasn't it.",
    "With a newborn in the house I'm logging this as urgent.",
    "Since you're on your own with the kids, I'll make this a priority.",
])
def test_the_load_named_or_the_job_raised_for_it_is_empathy(scorecard, line):
    verdict = judged(scorecard, "Our fridge has died and I'm worried about the baby's milk.", line, "empathy")
    assert verdict["verdict"] == "met" and verdict["evidence"][0]["quote"] in line


def test_a_priority_with_no_circumstance_named_still_needs_a_problem_to_apply(scorecard):
    # routine request: empathy is na whatever the agent says
    verdict = judged(scorecard, "I'd like to change my payment date to the fifth, please.",
                     "Sure, I'll mark it as urgent.", "empathy")
    assert verdict["verdict"] == "na"


@pytest.mark.parametrize("line", [
    "Okay, that's on your account now, and it'll show on the next statement.",
    "That's logged on the system now.",
    "The branch is open from nine till half five on weekdays.",
    "We're open eight until eight, seven days a week.",
])
def test_a_change_on_the_record_or_the_hours_answered_is_resolution(scorecard, line):
    verdict = judged(scorecard, "Can you help me with this?", line, "resolution")
    assert verdict["verdict"] == "met" and verdict["evidence"]


@pytest.mark.parametrize("line", [
    "If you'd prefer to stay on the old tariff and pay double, it's your money.",
    "Suit yourself.",
    "Well, it's your loss really.",
])
def test_sarcasm_about_the_callers_choice_is_rude(scorecard, line):
    verdict = judged(scorecard, "I don't want the upgrade, thanks.", line, "no_rude_language")
    assert verdict["verdict"] == "not_met" and verdict["evidence"]


@pytest.mark.parametrize("line", [
    "Not without the security questions, I'm afraid, no.",
    "No, not on the phone, but I can post it to you.",
    "If you'd rather pay by direct debit, that's fine too.",
])
def test_a_plain_refusal_or_a_choice_offered_is_not_rude(scorecard, line):
    verdict = judged(scorecard, "Can you just tell me my balance?", line, "no_rude_language")
    assert verdict["verdict"] == "met"


def closing_of(scorecard, last_agent_line: str) -> dict:
    call = [AGENT_OPENING, (5.5, 10.0, "client", "I'm ringing about the bill."),
            (10.5, 15.0, "agent", "I've set up the payment plan from the first of next month."),
            (15.5, 18.0, "client", "Great."), (18.5, 21.0, "agent", last_agent_line)]
    return by_id(analyze_with_rules(redacted(call, "en"), scorecard), "closing")


@pytest.mark.parametrize("line", ["Bye.", "Right, bye for now.", "Cheerio."])
def test_bye_alone_is_a_closing(scorecard, line):
    assert closing_of(scorecard, line)["verdict"] == "met"


@pytest.mark.parametrize("line", ["Could you clear the rest of it by Friday?", "Okay, done."])
def test_a_request_for_payment_or_a_bare_okay_is_no_closing(scorecard, line):
    assert closing_of(scorecard, line)["verdict"] == "not_met"
