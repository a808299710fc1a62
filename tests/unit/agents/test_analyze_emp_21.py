"""Session 21 (h-emp21): English empathy found by meaning alone must say it in words (the criterion's
`meaning_needs`): a plain restatement or explanation of the caller's situation sits near a sympathy
example in e5's space yet acknowledges nothing; an apology for a hold is no sympathy for the problem.
Plain-spoken sympathy still counts. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.semantic import any_alternative_matches
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

from test_analyze_criteria_classes import judged

TROUBLE = "The washing machine you fitted on Friday has flooded my kitchen floor and I've got people coming tonight."


@pytest.fixture(scope="module")
def catalog():
    return load_catalog_file(DEFAULT_PROJECTS_FILE)


@pytest.fixture(scope="module")
def needs(catalog):
    return catalog.scorecard("support-en").criterion("empathy").meaning_needs["en"]


@pytest.mark.parametrize("line", [
    "So the machine went in on Friday and it's leaked since.",
    "Right, the floor's wet from the washer.",
    "We fitted it on Friday, the engineer signed it off.",
    "Sorry for the wait there.",
    "Sorry about the hold, the system's slow today.",
    "Sorry, could you say the postcode again?",
    "Hard to say when, they're slow at the depot.",
    "It's not on the delivery note, though.",
    "What was the order number?",
])
def test_a_restatement_or_a_stock_apology_carries_no_words_of_sympathy(needs, line):
    assert not any_alternative_matches(needs, line)


@pytest.mark.parametrize("line", [
    "Oh no, that's rotten timing with guests coming over.",
    "What a horrible thing to walk in to.",
    "I'm really sorry, that shouldn't have happened after a new fitting.",
    "I can imagine, a wet floor is the last thing you need tonight.",
    "That must have been a shock when you saw it.",
    "No wonder you're fed up with it.",
    "Thanks for bearing with us while we get it fixed.",
    "Thanks for bearing with me, I know it's been a long morning.",
    "Oh, what a mess to come home to.",
    "That's our mistake, and I'll get someone out today.",
    "Losing a day's pay over it would get anyone down.",
])
def test_sympathy_in_plain_words_carries_them(needs, line):
    assert any_alternative_matches(needs, line)


def test_every_sympathy_example_carries_words_of_sympathy(catalog, needs):
    # what the examples stand for must pass the check, or a line as near as the example itself would not
    positive = catalog.scorecard("support-en").criterion("empathy").examples["en"].positive
    assert [line for line in positive if not any_alternative_matches(needs, line)] == []


@pytest.mark.parametrize("line", [
    "So the machine went in on Friday and it's leaked all over since then.",
    "Right, so it's flooded the kitchen floor after the fitting on Friday.",
])
def test_a_restatement_of_the_trouble_is_no_empathy(catalog, line):
    assert judged(catalog.scorecard("support-en"), TROUBLE, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "Oh no, that's rotten timing with people coming round tonight.",
    "Gosh, a flooded kitchen on top of a busy evening, that's miserable.",
])
def test_plain_spoken_sympathy_is_still_empathy(catalog, line):
    assert judged(catalog.scorecard("support-en"), TROUBLE, line, "empathy")["verdict"] == "met"


def test_russian_empathy_has_no_word_condition(catalog):
    # the Russian classifier was fitted for negations and restatements separately (h-emp18)
    assert "ru" not in catalog.scorecard("support-ru").criterion("empathy").meaning_needs
