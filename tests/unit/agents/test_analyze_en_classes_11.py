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


# --- verification: what counts as a check, and what opens the record -------------------------

from test_analyze_ordering import verification  # noqa: E402


@pytest.mark.parametrize("lines", [
    ["Could I get your surname, please?", "Right, I've cancelled the standing order for you."],
    ["Can I take a mobile number so we can text you the tracking link?", "I've rebooked the collection for Monday."],
    ["So I've got you down at <ADDRESS>, born in eighty-two, yes?", "I've changed the payment date to the tenth."],
])
def test_a_name_alone_a_contact_to_send_to_or_the_record_read_out_is_no_check(english, lines):  # noqa: F811
    assert verification(english, lines)[0]["verdict"] == "not_met"


@pytest.mark.parametrize("lines", [
    ["Could I get your surname, please?", "And your date of birth?", "Right, I've cancelled the standing order for you."],
    ["And the email the receipt went to?", "Right, I've cancelled the standing order for you."],
    ["Can I take your surname, and the town you were born in?", "I've changed the payment date to the tenth."],
])
def test_a_name_with_a_holder_detail_or_the_contact_held_is_a_check(english, lines):  # noqa: F811
    assert verification(english, lines)[0]["verdict"] == "met"


@pytest.mark.parametrize("disclosure", [
    "Right, the balance on your account is two hundred and twelve pounds.",
    "There's an outstanding charge of ninety pounds for the callout.",
])
def test_a_sum_owed_read_out_before_the_check_is_a_late_check(english, disclosure):  # noqa: F811
    found, _ = verification(english, [disclosure, "Before we go on, can I take your full name and date of birth?"])
    assert found["verdict"] == "not_met"


def test_the_agent_opening_the_record_makes_the_check_due_on_an_outgoing_call(english):  # noqa: F811
    call = [(0.0, 2.0, "client", "Hello?"),
            (2.5, 6.0, "agent", "Hi, it's Brookside Motors. Your van has failed its service inspection, I'm afraid."),
            (6.5, 9.0, "client", "Oh dear. What's wrong with it?"),
            (9.5, 13.0, "agent", "The clutch is slipping. We can fit a new one by Friday at five."),
            (13.5, 15.0, "client", "Fine, go ahead."), (15.5, 17.0, "agent", "Thanks, bye.")]
    transcript = redacted(call)
    transcript["context"] = {**transcript.get("context", {}), "direction": "outgoing"}
    assert by_id(analyze_with_rules(transcript, english), "verification")["verdict"] == "not_met"


@pytest.mark.parametrize("client_line", [
    "I'm honestly in bits about it all, I don't know where to start.",
    "My mum wants me to go to college but I'd rather get a job.",
])
def test_a_feeling_with_no_record_behind_it_makes_no_check_due(english, client_line):  # noqa: F811
    found = judged(english, client_line, "We run an open morning every Saturday at ten, no need to book.", "verification")
    assert found["verdict"] == "na"


# --- empathy: going straight to the case after a voiced worry ---------------------------------

@pytest.mark.parametrize("line", [
    "Right, so it's been held at the checking stage since the ninth.",
    "I'll let the warehouse manager know when he's back.",
    "There's a cheaper tariff if you can do without evening calls.",
])
def test_the_cases_status_after_a_voiced_worry_is_no_sympathy(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line", ["Oh no, what a horrible thing to find, let's get someone out to you.",
                                  "That must be such a worry, I'm sorry."])
def test_sympathy_after_a_voiced_worry_still_counts(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "empathy")["verdict"] == "met"
