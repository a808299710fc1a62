"""Classes added with support-en 9 / engine rules-5 (real e5 model, built-in scorecard), found on ten
calibrate calls stressing who said what on mono calls (a swearing caller, a rude agent in a short
turn, a caller who speaks first, volunteered details, a transfer, a hold): a company and a name
with no greeting word is no greeting; the holder's name asked with a detail is a check; the record
read out before the check is a disclosure; a hold or a farewell thanks is no empathy, reassuring a
caller who blames themselves is; an item brought or ready to collect at a time is a next step; a
brush-off or a retort is rude; the line said to be recorded is a disclosure; on a short call the
opening's thanks is no closing; a mono call's caller who speaks first is not the agent. The lines
are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.embeddings import CallText
from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import turns
from agents.speakers.roles import role_scores

from test_analyze_criteria_classes import judged
from test_analyze_en_classes_8 import greeting_of
from test_analyze_ordering import english, verification  # noqa: F401 (english is a fixture)
from test_analyze_rules import by_id, redacted

WORRY = "My order's a week late and I'm worried it's lost, it was a present."


@pytest.mark.parametrize("opening", ["Harbour Rail bookings, you're talking to <PERSON>.",
                                     "Lakeside Water accounts, <PERSON> speaking."])
def test_a_company_and_a_name_with_no_greeting_word_is_no_greeting(english, opening):  # noqa: F811
    assert greeting_of(english, opening)["verdict"] == "not_met"


def test_the_same_opening_with_a_greeting_word_is_a_greeting(english):  # noqa: F811
    assert greeting_of(english, "Hi there, Harbour Rail bookings, you're talking to <PERSON>.")["verdict"] == "met"


@pytest.mark.parametrize("ask", [
    "What name and email address is the order under?",
    "Whose name is the policy in, and the postcode of the house?",
])
def test_the_holders_name_asked_with_a_detail_is_a_check(english, ask):  # noqa: F811
    found, _ = verification(english, [ask, "Thanks, I've moved the payment date to the tenth."])
    assert found["verdict"] == "met"


def test_what_the_record_holds_read_out_before_the_check_is_a_disclosure(english):  # noqa: F811
    disclosure = "The system shows an old email address for you."
    found, _ = verification(english, [disclosure, "Can I have your date of birth so I can change it?"])
    assert found["verdict"] == "not_met" and found["evidence"][0]["quote"] == disclosure


@pytest.mark.parametrize("line", ["Bear with me a moment.", "Hold on, bear with me while I find it.",
                                  "Thanks for choosing Parcelway, have a nice day."])
def test_a_hold_or_a_farewell_thanks_is_no_empathy(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "empathy")["verdict"] == "not_met"


@pytest.mark.parametrize("line", ["Oh, don't feel bad, it's easily done.",
                                  "A week of checking the door every morning, that's draining."])
def test_reassurance_and_the_feeling_named_are_empathy(english, line):  # noqa: F811
    client = "I typed the wrong address in myself, I feel so silly. I'm really worried it's lost."
    assert judged(english, client, line, "empathy")["verdict"] == "met"


@pytest.mark.parametrize("line", ["A driver will drop it round to you by noon on Friday.",
                                  "You can pick it up from nine on Monday at the front desk."])
def test_an_item_brought_or_ready_to_collect_at_a_time_is_a_next_step(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "resolution")["verdict"] == "met"


@pytest.mark.parametrize("line", ["Tough luck, I'm afraid.", "We're a post office, not a bank.",
                                  "That's what they all say."])
def test_a_brush_off_or_a_retort_is_rude(english, line):  # noqa: F811
    rude = judged(english, WORRY, line, "no_rude_language")
    assert rude["verdict"] == "not_met" and rude["evidence"][0]["quote"] in line


@pytest.mark.parametrize("line", ["Right, let's get it tracked down for you.", "Don't feel bad, it's easily done.",
                                  "Tough one, but I'll get a replacement sent today."])
def test_taking_the_callers_side_is_not_rude(english, line):  # noqa: F811
    assert judged(english, WORRY, line, "no_rude_language")["verdict"] == "met"


def test_the_line_said_to_be_recorded_is_a_disclosure(english):  # noqa: F811
    call = [(0.0, 4.0, "agent", "Good morning, Fernside Dental, <PERSON> speaking. Just to say, this conversation's recorded."),
            (4.5, 8.0, "client", "Hi, I need to move my check-up."), (8.5, 11.0, "agent", "No problem, Thursday at ten?")]
    assert by_id(analyze_with_rules(redacted(call), english), "recording_disclosure")["verdict"] == "met"


def short_call(last_agent_line: str) -> dict:
    return redacted([(0.0, 3.0, "agent", "Thanks for calling Fernside Dental, this is <PERSON>."),
                     (3.5, 8.0, "client", "Hi, can I move my check-up to next week?"),
                     (8.5, 14.0, "agent", "Yes, I've moved it to Tuesday at nine."),
                     (14.5, 16.0, "client", "Great."), (16.5, 18.0, "agent", last_agent_line)])


def test_on_a_short_call_the_openings_thanks_is_no_closing(english):  # noqa: F811
    assert by_id(analyze_with_rules(short_call("Okay."), english), "closing")["verdict"] == "not_met"
    assert by_id(analyze_with_rules(short_call("Have a safe trip home."), english), "closing")["verdict"] == "met"


def test_a_mono_callers_opening_complaint_does_not_make_them_the_agent(english):  # noqa: F811
    transcript = redacted([
        (0.0, 4.0, "client", "Hello? My washing machine never got delivered, I've been sat in all day."),
        (4.5, 8.0, "agent", "Good afternoon, Homestore deliveries, <PERSON> here. A whole day in, that's a pain."),
        (8.5, 11.0, "client", "It really is."),
        (11.5, 16.0, "agent", "I've rebooked it for tomorrow between eight and ten, and thanks for bearing with me."),
        (16.5, 18.0, "client", "Okay, thanks."), (18.5, 20.0, "agent", "Take care, bye.")])
    for segment in transcript["segments"]:
        segment["speaker"] = "unknown"
    transcript["channels"] = 1
    roles = CallText(turns(transcript), "incoming", "en").roles
    assert [roles[i] for i in range(6)] == ["client", "agent"] * 3


@pytest.mark.parametrize("line", ["Northgate parcels desk, Amir here.", "Good evening, you've got Priya here.",
                                  "Thanks for bearing with me, that's all done."])
def test_a_desk_and_a_name_or_thanks_for_waiting_sound_like_the_agent(line):
    agent, client = role_scores(line, "en")
    assert agent > client


@pytest.mark.parametrize("line", ["I've been stood outside for twenty minutes.", "My boiler never came back on."])
def test_waiting_and_what_never_happened_sound_like_the_caller(line):
    agent, client = role_scores(line, "en")
    assert client > agent
