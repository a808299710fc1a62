"""English verdict classes in everyday wording (built-in support-en scorecard, real e5 model): blaming
and brushing-off count as rude, their polite look-alikes do not; empathy and resolution in plain
words. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted

OPENING = [(0.0, 5.0, "agent", "Hello, Greenfield Broadband, Sam speaking, this call is recorded."),
           (5.5, 10.0, "client", "Hi, my broadband keeps cutting out and I'm really fed up, I work from home.")]


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def verdict(scorecard, line: str, criterion: str, mono: bool = False) -> dict:
    call = OPENING + [(10.5, 15.0, "agent", line), (15.5, 18.0, "client", "Okay.")]
    transcript = redacted(call)
    if mono:
        for segment in transcript["segments"]:
            segment["speaker"] = "unknown"
        transcript["channels"] = 1
    return by_id(analyze_with_rules(transcript, scorecard), criterion)


@pytest.mark.parametrize("line", [
    "Well, if you'd plugged it in properly we wouldn't be here.",
    "It's your own fault for ignoring the letters.",
    "Honestly, customers who switch it off at the wall cause half these faults.",
    "Look, that's the way it is, take it or leave it.",
    "I've already told you, the engineer can't come sooner.",
    "You're not the only customer I've got, you know.",
    "I haven't got all day, what's the account number?",
    "Frankly you should've checked the cable first.",
])
def test_blaming_and_brushing_off_are_rude(english, line):
    rude = verdict(english, line, "no_rude_language")
    assert rude["verdict"] == "not_met"
    assert rude["evidence"] and rude["evidence"][0]["quote"] in line  # verbatim


@pytest.mark.parametrize("line", [
    "It's not your fault at all.",
    "If you had paid by direct debit, there's no fee, so I'll waive it.",
    "I explained that to my colleague already and they'll call you by five.",
    "Whatever suits you best.",
    "If you'd like, I can check that for you.",
])
def test_polite_look_alikes_are_not_rude(english, line):
    assert verdict(english, line, "no_rude_language")["verdict"] == "met"


def test_blaming_on_a_mono_call_counts_against_the_agent_by_the_guessed_roles(english):
    rude = verdict(english, "Well, if you'd plugged it in properly we wouldn't be here.", "no_rude_language", mono=True)
    assert rude["verdict"] == "not_met" and "guessed" in rude["rationale"]


@pytest.mark.parametrize("line", ["Working from home with no internet, that's a nightmare.", "Ah, poor you.",
                                  "I'd be fed up too, honestly."])
def test_empathy_in_plain_words(english, line):
    assert verdict(english, line, "empathy")["verdict"] == "met"


@pytest.mark.parametrize("line", ["You're all sorted, the line's working again.",
                                  "It'll be fixed by five this afternoon."])
def test_resolution_in_plain_words(english, line):
    assert verdict(english, line, "resolution")["verdict"] == "met"


@pytest.mark.parametrize("line", ["Can you confirm you want me to cancel it?",
                                  "Could you confirm which month the bill is for?",
                                  "Could you confirm the reading on the meter now?"])
def test_confirming_the_request_is_not_an_identity_check(english, line):
    assert verdict(english, line, "verification")["verdict"] == "not_met"


@pytest.mark.parametrize("line", ["Right, just need to make sure it's you, what's your birthday?",
                                  "Okay, before we go on, what's the answer to your memorable question?",
                                  "Just to confirm, what's your date of birth?"])
def test_asking_what_only_the_holder_knows_is_an_identity_check(english, line):
    assert verdict(english, line, "verification")["verdict"] == "met"


def test_a_dated_commitment_beside_a_note_on_the_account_is_a_resolution(english):
    line = "If it's still missing, ring us today and I'll have a new one sent out tomorrow, I've put a note on the account."
    assert verdict(english, line, "resolution")["verdict"] == "met"
    assert verdict(english, "I've put a note on the account.", "resolution")["verdict"] == "not_met"


def test_blaming_is_not_empathy_however_near_it_sounds(english):
    assert verdict(english, "Well, that's on you then, you should always ask for a receipt.", "empathy")["verdict"] == "not_met"


def test_a_worry_in_the_callers_own_words_makes_empathy_applicable(english):
    call = [(0.0, 5.0, "agent", "Hello, Greenfield Broadband, Sam speaking, this call is recorded."),
            (5.5, 10.0, "client", "Hi, I'd like to pay this month's bill by card, I'm honestly a bit stressed about money."),
            (10.5, 15.0, "agent", "Okay, what's the card number?"),
            (15.5, 18.0, "client", "Okay.")]
    empathy = by_id(analyze_with_rules(redacted(call), english), "empathy")
    assert empathy["verdict"] == "not_met"  # a worry was voiced and went unacknowledged


@pytest.mark.parametrize("line", ["The surveyor will ring you tomorrow morning to arrange a time.",
                                  "Our partner garage will contact you within two days to book it in.",
                                  "I've paused your plan for three months, so nothing comes out until March."])
def test_a_callback_at_a_stated_time_or_a_change_made_is_a_resolution(english, line):
    found = verdict(english, line, "resolution")
    assert found["verdict"] == "met" and found["evidence"][0]["quote"] in line


@pytest.mark.parametrize("line", ["The surveyor might ring you at some point.",
                                  "Someone may contact you about it."])
def test_a_callback_with_no_time_is_no_resolution(english, line):
    assert verdict(english, line, "resolution")["verdict"] == "not_met"
