"""Resolution and empathy classes from session 11's batch (h-empres13; real e5 model, built-in
support-en): a question commits to nothing, a promise to try is a hedge, a promise of the agent's
own needs a when, a stock "I understand" taken straight back with "but" acknowledges nothing,
and the agent's opening answers nothing yet (after_client).
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_criteria_classes import judged
from test_analyze_rules import by_id, redacted

PROBLEM = "My boiler's packed in again and I've got two little ones at home, I'm really worried."


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.mark.parametrize("line", [
    "Do you have the case number from the last visit?",
    "Would it help if I arranged for somebody to come out?",
    "Okay, so shall I put you down for a repair visit?",
])
def test_a_question_commits_to_nothing(english, line):
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == "not_met"


def test_a_commitment_with_a_tag_question_is_still_a_next_step(english):
    line = "I've booked the engineer for Wednesday between eight and one, is that all right?"
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "We'll try and squeeze an engineer in for you at some stage this month.",
    "I'm going to try to get a plumber round, they'll message you once it's confirmed.",
])
def test_a_promise_to_try_is_a_hedge(english, line):
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == "not_met"


@pytest.mark.parametrize("line,verdict", [
    ("Right, I'll arrange for the part to be ordered.", "not_met"),
    ("I'll email the repair form over.", "not_met"),
    ("I'll email the repair form over this afternoon.", "met"),
    ("I'll call you back before five with the engineer's slot.", "met"),
])
def test_a_promise_of_the_agents_own_needs_a_when(english, line, verdict):
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == verdict


def test_a_stock_understand_taken_back_with_but_is_no_acknowledgement(english):
    line = "I understand. But the terms say the visit has to be booked forty-eight hours ahead."
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "not_met"


def test_an_understand_that_goes_on_to_the_callers_situation_is_acknowledgement(english):
    line = "I understand, with two little ones and no heating that must be awful."
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "met"


def test_the_opening_acknowledges_nothing_yet(english):
    # the same sympathetic words in the agent's opening, before the caller said a thing, do not count
    opening = (0.0, 5.0, "agent", "Hello, Greenfield Heating, so sorry about the long queue, how frustrating for you.")
    call = [opening, (5.5, 10.0, "client", PROBLEM), (10.5, 15.0, "agent", "Right, what's the postcode?"),
            (15.5, 18.0, "client", "Okay.")]
    assert by_id(analyze_with_rules(redacted(call), english), "empathy")["verdict"] == "not_met"
    call[2] = (10.5, 15.0, "agent", "Oh, how frustrating for you, and with the children at home too.")
    assert by_id(analyze_with_rules(redacted(call), english), "empathy")["verdict"] == "met"


def test_a_step_taken_back_with_cant_say_when_is_no_resolution(english):
    line = "I'll get a new valve ordered in for you. Honestly, I can't say when, it depends how the supplier gets on."
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == "not_met"
