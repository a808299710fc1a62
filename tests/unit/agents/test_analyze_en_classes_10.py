"""Classes added with support-en 10 / engine rules-7 (real e5 model, built-in scorecard), found on
eight calibrate calls stressing verification and empathy (h-q-en7): a caller who is not the holder,
turned away with nothing opened, makes verification na (declined_if), unless the agent then
discloses; details the caller volunteered and the agent confirmed against the record are a check;
a third person rung at a stated time and an answer with when something starts are a next step;
"if you will keep ..." is blame; "bless her", "that's no fun" are empathy; distress on someone
else's behalf makes empathy applicable, a newcomer's plain facts do not; a recording disclosure
needs a word of recording. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_criteria_classes import judged
from test_analyze_ordering import english, verification  # noqa: F401 (english is a fixture)
from test_analyze_rules import by_id, redacted

NOT_THE_HOLDER = "I'm ringing about my husband's phone bill and contract, he's at work all day."


@pytest.mark.parametrize("agent_line", [
    "As you're not the account holder I can't discuss it, but he can ring us any evening after six.",
    "I'm not able to go into your husband's contract with you, not without his permission.",
])
def test_a_caller_who_is_not_the_holder_turned_away_makes_verification_na(english, agent_line):  # noqa: F811
    found = judged(english, NOT_THE_HOLDER, agent_line, "verification")
    assert found["verdict"] == "na" and found["evidence"]  # the refusal is quoted


def test_turning_the_caller_away_then_disclosing_is_still_a_missed_check(english):  # noqa: F811
    line = "I can't go into his contract with you. I can see two payments went out on the fifth, though."
    assert judged(english, NOT_THE_HOLDER, line, "verification")["verdict"] == "not_met"


@pytest.mark.parametrize("confirmed", ["Thanks, those details match what we have on file.",
                                       "Lovely, that all tallies with the account, you're past security."])
def test_volunteered_details_confirmed_against_the_record_are_a_check(english, confirmed):  # noqa: F811
    found, _ = verification(english, [confirmed, "I've moved the payment date to the tenth."])
    assert found["verdict"] == "met"


def test_a_match_that_is_not_the_record_is_no_check(english):  # noqa: F811
    found, _ = verification(english, ["That matches the colour on the website.", "I've moved the payment date to the tenth."])
    assert found["verdict"] == "not_met"


@pytest.mark.parametrize("line,verdict", [("I'll phone him myself at four tomorrow to go through it.", "met"),
                                          ("We'll call her back this evening with the figures.", "met"),
                                          ("Someone might phone her at some point.", "not_met")])
def test_a_third_person_rung_at_a_stated_time_is_a_next_step(english, line, verdict):  # noqa: F811
    client = "My dad's in a care home and his phone's been cut off, I'm worried sick."
    assert judged(english, client, line, "resolution")["verdict"] == verdict


def test_an_answer_with_when_it_starts_resolves_a_question(english):  # noqa: F811
    found = judged(english, "When do the evening pottery classes begin?",
                   "They start on Tuesday the ninth, seven till nine, and it's twelve pounds a session.", "resolution")
    assert found["verdict"] == "met"


@pytest.mark.parametrize("line,verdict", [
    ("Well, if you will keep unplugging the fridge at night, the seal goes.", "not_met"),
    ("If you will bear with me a moment, I'll check the stock.", "met"),
])
def test_if_you_will_keep_is_blame(english, line, verdict):  # noqa: F811
    assert judged(english, "The fridge you sold me is leaking again.", line, "no_rude_language")["verdict"] == verdict


def test_bless_him_and_no_fun_are_empathy(english):  # noqa: F811
    client = "My grandad's landline keeps dropping out and he's on his own all day."
    found = judged(english, client, "Oh bless him, that's no fun when you live alone.", "empathy")
    assert found["verdict"] == "met"


def test_distress_on_someone_elses_behalf_makes_empathy_apply(english):  # noqa: F811
    client = "My aunt's in a real state about the letter you sent her."
    assert judged(english, client, "Can I take her account number?", "empathy")["verdict"] == "not_met"


def test_a_newcomers_plain_facts_leave_empathy_na(english):  # noqa: F811
    client = "We haven't signed up with any dentist in this town so far, how much is a check-up?"
    assert judged(english, client, "A check-up is twenty-six pounds for adults.", "empathy")["verdict"] == "na"


def test_a_sentence_with_no_word_of_recording_is_no_disclosure(english):  # noqa: F811
    call = [(0.0, 4.0, "agent", "Hello, Fernside Dental, <PERSON> speaking. You must get tired of these calls."),
            (4.5, 8.0, "client", "Hi, I need to move my check-up."), (8.5, 11.0, "agent", "No problem, Thursday at ten?")]
    assert by_id(analyze_with_rules(redacted(call), english), "recording_disclosure")["verdict"] == "not_met"


@pytest.mark.parametrize("said", ["I'll ring you back tomorrow with the engineer's slot.",
                                  "We’ll bring it round by six tonight."])
def test_a_next_step_said_with_ll_matches_its_rule(english, said):  # noqa: F811
    """A rule is anchored at a word start, so a pattern opening with "'ll" never matched "I'll"
    (the apostrophe follows a letter): the contraction is spelled with its pronoun."""
    from agents.analyze.transcript import rule_search

    rules = english.criterion("resolution").rules["en"]
    assert any(all(rule_search(p, said) for p in alternative) for alternative in rules)
