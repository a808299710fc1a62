"""Identity verification in order (GUIDE.md): a check that comes only after the agent disclosed or
acted on the account is not_met, quoting the disclosing sentence verbatim; the same check before it
is met. Built-in support-en scorecard, real e5 model; the lines are written for these tests, none
is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules
from catalog.scorecards import Criterion

from test_analyze_rules import by_id, redacted

OPENING = [(0.0, 5.0, "agent", "Hello, Lakeside Water, Tom speaking, this call is recorded."),
           (5.5, 10.0, "client", "Hi, I think I've been billed twice this month for my account.")]
CHECK = "Before we go on, can I take your full name and date of birth?"
CLOSING = [(30.0, 33.0, "client", "Okay, thanks."), (33.5, 36.0, "agent", "Thanks for calling, bye.")]


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def verification(scorecard, agent_lines: list[str], mono: bool = False) -> tuple[dict, dict]:
    call = list(OPENING)
    for i, line in enumerate(agent_lines):
        call += [(10.5 + 5 * i, 13.0 + 5 * i, "agent", line), (13.5 + 5 * i, 15.0 + 5 * i, "client", "Right.")]
    transcript = redacted(call + CLOSING)
    if mono:
        for segment in transcript["segments"]:
            segment["speaker"] = "unknown"
        transcript["channels"] = 1
    return by_id(analyze_with_rules(transcript, scorecard), "verification"), transcript


@pytest.mark.parametrize("disclosure", [
    "I can see two direct debits went out on the third.",
    "Your balance is sixty two pounds at the moment.",
    "I've reversed the second charge for you.",
    "The one we hold is <CREDIT_CARD>, is that still right?",
])
def test_a_check_after_disclosing_is_not_met_with_the_disclosure_quoted(english, disclosure):
    found, transcript = verification(english, [disclosure, CHECK])
    assert found["verdict"] == "not_met"
    quote = found["evidence"][0]
    assert quote["quote"] in transcript["segments"][quote["segment"]]["text"]  # verbatim
    assert quote["segment"] == 2 and quote["start"] == transcript["segments"][2]["start"]


@pytest.mark.parametrize("disclosure", [
    "I can see two direct debits went out on the third.",
    "I've reversed the second charge for you.",
])
def test_the_same_check_before_disclosing_is_met(english, disclosure):
    found, _ = verification(english, [CHECK, disclosure])
    assert found["verdict"] == "met"
    assert found["evidence"][0]["segment"] == 2


def test_order_counts_within_one_turn(english):
    found, _ = verification(english, ["I've reversed the second charge for you. Can I take your full name and date of birth?"])
    assert found["verdict"] == "not_met"
    assert found["evidence"][0]["quote"] == "I've reversed the second charge for you."


def test_asking_about_the_account_or_sympathising_is_no_disclosure(english):
    for first in ("I can see why that would worry you.", "Is the payment due soon?"):
        assert verification(english, [first, CHECK])[0]["verdict"] == "met", first


def test_on_a_mono_call_the_guessed_agent_turns_count(english):
    found, _ = verification(english, ["I can see two direct debits went out on the third.", CHECK], mono=True)
    assert found["verdict"] == "not_met"


def test_ordering_is_opt_in_per_criterion(english):
    plain = english.criterion("verification").model_copy(update={"must_precede": {}})
    card = english.model_copy(update={"criteria": tuple(plain if c.id == "verification" else c for c in english.criteria)})
    assert verification(card, ["I've reversed the second charge for you.", CHECK])[0]["verdict"] == "met"


def test_must_precede_patterns_are_checked_for_backtracking():
    with pytest.raises(ValueError):
        Criterion(id="x", label="x", weight=1, must_precede={"en": [r"(\w+\s?)+$"]})
