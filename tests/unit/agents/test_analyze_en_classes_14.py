"""Empathy and resolution classes from session 12's batch (h-empres14; real e5 model, built-in
support-en): a line found by meaning alone must beat the nearest non-sympathy example clearly
(`margin`), an apology said as a clause about the caller's trouble is acknowledgement, and a
feeling named then apologised for is too.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules
from catalog.scorecards import Scorecard

from test_analyze_criteria_classes import judged
from test_analyze_rules import by_id, redacted

PROBLEM = "The shower's been stone cold since Friday and I've got my in-laws staying, I'm at my wits' end."


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def with_margin(scorecard: Scorecard, criterion_id: str, margin: float) -> Scorecard:
    criteria = [c.model_copy(update={"margin": margin}) if c.id == criterion_id else c for c in scorecard.criteria]
    return scorecard.model_copy(update={"criteria": criteria})


@pytest.mark.parametrize("line", [
    "Okay, I've swapped the visit over to the Wednesday for you.",
    "Evening slots are booked solid for the next fortnight.",
    "Right, so the plumber logged the job as finished on the ninth.",
])
def test_procedure_near_a_sympathy_example_is_no_acknowledgement(english, line):
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "I'm so sorry you've had no hot water with a full house.",
    "I'm sorry it's dragged on over the whole weekend.",
    "With guests in the house, that's tough, I'm sorry.",
])
def test_an_apology_for_the_callers_trouble_is_acknowledgement(english, line):
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "I'm sorry, you'll need to ring the landlord about that.",
    "I'm sorry we can't get anyone out before Tuesday.",
])
def test_a_stock_sorry_before_procedure_or_a_refusal_is_not(english, line):
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "not_met"


def test_a_margin_sets_aside_a_near_tie_by_meaning(english):
    # the same sympathetic line counts with no margin and not once the margin is out of reach
    line = "Having family over and no warm water, what a miserable few days for you."
    assert judged(english, PROBLEM, line, "empathy")["verdict"] == "met"
    assert judged(with_margin(english, "empathy", 0.5), PROBLEM, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line,verdict", [
    ("Okay, the replacement part will be with you by Thursday.", "met"),
    ("You'll have the written quote within the hour.", "met"),
    ("Right, the updated contract goes out on the fifth of June.", "met"),
])
def test_what_happens_next_with_a_concrete_when_is_a_next_step(english, line, verdict):
    assert judged(english, PROBLEM, line, "resolution")["verdict"] == verdict
