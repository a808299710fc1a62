"""Resolution classes added with support-en 8 (real e5 model, built-in scorecard), found on piper
audio of calibrate calls: ASR often drops the "'ve" of "I've put the refund through" and the full
stops of a long turn (a run-on line is too diluted for its meaning to match), and a hedge in one
sentence of a turn ("I've put a note on it") must not hide a commitment in another. The lines
are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.semantic import first_quote

from test_analyze_criteria_classes import judged


@pytest.fixture(scope="module")
def scorecard(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.mark.parametrize("line", [
    "right that all matches I can see you were charged on the fourth and again on the sixth the second "
    "one is our mistake so I cancelled it just now",
    "okay I've got the assessor's notes here from Tuesday and they checked the photos and the claim's approved",
])
def test_an_action_heard_without_its_ive_or_an_approval_in_a_run_on_turn_is_resolution(scorecard, line):
    verdict = judged(scorecard, "I was charged twice this month.", line, "resolution")
    assert verdict["verdict"] == "met" and verdict["evidence"][0]["quote"] in line


def test_a_hedge_in_one_sentence_does_not_hide_a_commitment_in_the_next(scorecard):
    resolution = scorecard.criterion("resolution")
    rules, rejects = resolution.rules["en"], resolution.reject_if["en"]
    line = "I've put a note on your file. I'll have a new kettle sent out on Monday's first delivery."
    assert first_quote(rules, line, rejects) == "I'll have a new kettle sent out on Monday's first delivery."
    assert first_quote(rules, "I've put a note on your file.", rejects) is None
    assert first_quote(rules, "I've put a note on your file.") == "I've put a note on your file."
