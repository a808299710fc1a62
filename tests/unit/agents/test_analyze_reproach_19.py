"""Session 19's English reproach shapes (agents/analyze/reproach.py): the matter put *on* the
caller or denied as on the company, the caller's past act as the condition of a better outcome,
the way things plainly are said with a hedge, and emphatic do with a verb of sending. Each rude
line has a courteous near-twin with the same grammar that must stay clean. The lines are written
for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach import reproach
from agents.analyze.rules import analyze_with_rules


@pytest.mark.parametrize(("rude", "courteous"), [
    # the matter put on the caller / owned or reassured
    ("Honestly, the wrong size is sort of on you.", "Honestly, the wrong size is on us, sorry."),
    ("That's kind of on you, to be fair.", "That's not on you at all, don't worry."),
    ("It's on you, really.", "It's on your account now."),
    # the company's part denied / admitted
    ("If the postcode was typed wrong, that's not really on us.", "If the postcode was typed wrong, that's on us."),
    # the caller's past as the condition of a better outcome / an offer or a wish
    ("If you'd kept the packaging, we could have swapped it straight away.",
     "If you'd like to keep the packaging, we can swap it straight away."),
    ("If you'd sent it tracked, we could've found it by now.", "If you'd prefer it tracked, we could send it that way."),
    ("If folk booked ahead, we wouldn't be this busy.", "If folk booked ahead, we'd be glad of it."),
    ("If you'd told me the size, the driver would have brought the big van.",
     "If you hadn't told me the size, I wouldn't have spotted the mistake."),
    # the way things plainly are, hedged into a lecture / plain information
    ("That's sort of how radiators work.", "That's how the loyalty points work, one per visit."),
    ("Well, that's kind of the whole point of a deposit.", "The point of the deposit is to hold your slot."),
    # the redactor may take the noun for a name
    ("That's just the way <PERSON> go in winter.", "That's the way <PERSON> goes: a stamp per visit."),
    # emphatic do with a verb of sending / a plain report
    ("We did post you a reminder in May.", "We posted you a reminder in May, sorry if it went astray."),
])
def test_rude_line_and_its_courteous_twin(rude, courteous):
    assert reproach(rude)
    assert not reproach(courteous)


@pytest.mark.parametrize("text", [
    "If you brought it in, we wouldn't charge for the check.",   # an open offer, not a missed past
    "If you had the receipt, we could have refunded it.",        # what the caller had, not did
    "If you'd told me sooner I'd have been glad to help.",       # the agent's goodwill
    "That's on you to choose, either date is fine.",             # the caller's choice
    "It's not really on me to decide, it's the manager's call.",
])
def test_courteous_lines_with_the_same_grammar(text):
    assert not reproach(text)


def test_the_scorecard_fails_the_missed_past(builtin_catalog):
    """End to end: the English scorecard turns the counterfactual into a quoted failure, and its
    courteous twin passes."""
    scorecard = builtin_catalog.scorecard("support-en")

    def verdict(line: str) -> dict:
        transcript = {"language": "en", "segments": [
            {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Good morning, Hillside Furniture, Omar speaking."},
            {"speaker": "client", "start": 3.0, "end": 8.0, "text": "Hi, the table came with a cracked leg."},
            {"speaker": "agent", "start": 8.0, "end": 13.0, "text": line},
            {"speaker": "client", "start": 13.0, "end": 15.0, "text": "Oh. I see."},
        ]}
        return next(v for v in analyze_with_rules(transcript, scorecard)["criteria"] if v["id"] == "no_rude_language")

    rude = verdict("If you'd checked it at the door, the driver could have taken it back.")
    assert rude["verdict"] == "not_met"
    assert "checked it at the door" in rude["evidence"][0]["quote"]
    assert verdict("If you'd like, the driver can take it back tomorrow.")["verdict"] == "met"
