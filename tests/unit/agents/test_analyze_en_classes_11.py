"""Classes added with support-en 11 (real e5 model, built-in scorecard), found on session 10's fresh
batch once it moved to calibrate: rudeness said as condescension or a brush-off rather than a
swear word (a reminder that the caller should have listened, blame for what they failed to tell,
the company's part refused, ironic praise after a fault, a defence against a charge nobody made,
the rules as the end of the matter), and such a line is never sympathy (empathy is `rejected_by`
the rudeness rules). Polite firmness and plain information stay courteous. The lines are written
for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_criteria_classes import judged
from test_analyze_ordering import english  # noqa: F401 (a fixture)
from test_analyze_rules import by_id, redacted

WORRY = "My washing machine's flooded the utility room and I'm really worried about the floor."


@pytest.mark.parametrize("line", [
    "Like I told you, the engineer can't come any sooner than Friday.",
    "As I've just said, sir, the warranty covers parts only.",
    "I've already explained this, the form has to be signed first.",
    "You honestly should have rung us the day it happened, we can't backdate it now.",
    "You should've reported it sooner, then we'd have had it on file.",
    "That isn't really our concern if the fitting was done by someone else.",
    "It's not on me to chase the courier for you.",
    "You left the tap running for a month and never checked. Fantastic. Right, next question.",
    "It's not as if our engineer flooded it deliberately.",
    "That's simply the way things are with warranty claims, I'm afraid.",
])
def test_condescension_blame_and_brush_offs_are_rude(english, line):  # noqa: F811
    rude = judged(english, WORRY, line, "no_rude_language")
    assert rude["verdict"] == "not_met" and rude["evidence"]


@pytest.mark.parametrize("line", [
    "As I mentioned earlier, the engineer can come on Friday morning.",
    "It's not like you did it on purpose, these things happen.",
    "I'm afraid the warranty only covers parts, but I can book the labour at half price.",
    "You should have had a text from us about it, I'm sorry it didn't come through.",
    "Never mind, that's fine. Lovely, I'll get that booked in.",
    "I couldn't find an earlier slot, I'm sorry. Great news on the parts though, they're in stock.",
    "It's not up to me to decide the claim, the assessor does that after the visit on Monday.",
])
def test_polite_firmness_and_plain_information_are_not_rude(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "no_rude_language")["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "You really should've turned the water off straight away, I'll note it on the claim.",
    "Well, it's not as though the plumber broke the pipe deliberately.",
])
def test_a_line_the_rudeness_rules_forbid_is_no_sympathy(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "empathy")["verdict"] == "not_met"


def test_the_callers_own_sarcasm_does_not_count_against_the_agent(english):  # noqa: F811
    call = [(0.0, 4.0, "agent", "Good morning, Brightwash Appliances, <PERSON> speaking, calls are recorded."),
            (4.5, 9.0, "client", "Nobody turned up yesterday. Brilliant. Like I said on the phone last week, I took the day off."),
            (9.5, 14.0, "agent", "I'm so sorry, that's not good enough. I've booked the engineer for eight tomorrow."),
            (14.5, 16.0, "client", "Fine.")]
    assert by_id(analyze_with_rules(redacted(call), english), "no_rude_language")["verdict"] == "met"
