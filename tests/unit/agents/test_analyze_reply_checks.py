"""The fallback detector: hand-written LLM replies that must (and must not) be rejected."""
from __future__ import annotations

import json

import pytest

from agents.analyze.llm import parse_reply
from agents.analyze.reply_checks import UnusableReply, check_repetition
from agents.analyze.transcript import turns

LINES = ["Thank you for calling Acme, my name is <PERSON>. This call may be recorded.",
         "My card <CREDIT_CARD> was charged twice.",
         "I'm sorry to hear that. I have issued a refund, you will receive it within three days."]


@pytest.fixture(scope="module")
def scorecard(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.fixture(scope="module")
def call_turns():
    segments = [{"start": 5.0 * i, "end": 5.0 * i + 4, "speaker": who, "text": text, "words": []}
                for i, (who, text) in enumerate(zip(("agent", "client", "agent"), LINES))]
    return turns({"language": "en", "channels": 1, "segments": segments})


def reply(scorecard, **criteria) -> dict:
    entries = {c.id: {"verdict": "na", "rationale": "Not discussed in this call.", "evidence": []}
               for c in scorecard.criteria}
    entries.update(criteria)
    return {"summary": "Customer charged twice; refund issued, due in three days.",
            "improvements": ["Confirm the customer's identity before the refund."], "criteria": entries}


def rejection(scorecard, call_turns, content: str, finish_reason: str = "stop") -> str:
    with pytest.raises(UnusableReply) as caught:
        parse_reply(content, scorecard, call_turns, finish_reason)
    return caught.value.reason


def test_a_sound_reply_is_accepted(scorecard, call_turns):
    greeting = {"verdict": "met", "rationale": "The agent greeted the caller and gave a name.",
                "evidence": [{"quote": "Thank you for calling  Acme,", "segment": 0}]}
    parsed = parse_reply(json.dumps(reply(scorecard, greeting=greeting)), scorecard, call_turns, "stop")
    by_id = {c["id"]: c for c in parsed["criteria"]}
    assert by_id["greeting"]["evidence"] == [{"quote": "Thank you for calling Acme,", "segment": 0, "start": 0.0}]


def test_invalid_json_is_rejected(scorecard, call_turns):
    good = json.dumps(reply(scorecard))
    assert rejection(scorecard, call_turns, good[:-40]) == "invalid JSON: JSONDecodeError"
    assert rejection(scorecard, call_turns, "Sure! Here is the analysis: " + good).startswith("invalid JSON")
    assert rejection(scorecard, call_turns, "[1, 2]") == "invalid JSON: not an object with a criteria object"


def test_a_reply_cut_off_at_max_tokens_is_a_loop_even_if_it_parses(scorecard, call_turns):
    assert rejection(scorecard, call_turns, json.dumps(reply(scorecard)), "length") == "loop: hit max_tokens"


def test_repeated_text_is_a_loop(scorecard, call_turns):
    looping = reply(scorecard)
    looping["summary"] = "The customer called about the card. " + "the card the card " * 6
    assert rejection(scorecard, call_turns, json.dumps(looping)).startswith("loop: repeated text")
    looping = reply(scorecard)
    looping["improvements"] = ["Greet the customer properly."] * 5
    assert rejection(scorecard, call_turns, json.dumps(looping)) == "loop: the same item 4 times"
    quote = {"quote": "charged twice", "segment": 1}
    looping = reply(scorecard, resolution={"verdict": "met", "rationale": "", "evidence": [quote] * 9})
    assert rejection(scorecard, call_turns, json.dumps(looping)) == "loop: the same item 4 times"


def test_ordinary_repetition_is_not_a_loop():
    check_repetition({"summary": "No, no, no: the refund was sent, the refund was confirmed.",
                      "improvements": ["Say goodbye.", "Say goodbye.", "Use the customer's name."]})
    said = "Hello? Hello? Hello? Hello? Can you hear me?"
    check_repetition({"criteria": {"closing": {"evidence": [{"quote": "Hello? Hello? Hello? Hello?"}]}}}, [said])
    with pytest.raises(UnusableReply, match="loop"):
        check_repetition({"summary": "Hello? Hello? Hello? Hello?"}, ["Good morning."])


def test_a_quote_not_in_the_transcript_is_rejected(scorecard, call_turns):
    invented = {"verdict": "met", "rationale": "Greeted.",
                "evidence": [{"quote": "Good morning, how can I help you today?", "segment": 0}]}
    content = json.dumps(reply(scorecard, greeting=invented))
    assert rejection(scorecard, call_turns, content) == "quote not in transcript: greeting"
    paraphrased = {"verdict": "met", "rationale": "Refund.",
                   "evidence": [{"quote": "I issued a refund", "segment": 2}]}
    content = json.dumps(reply(scorecard, resolution=paraphrased))
    assert rejection(scorecard, call_turns, content) == "quote not in transcript: resolution"
