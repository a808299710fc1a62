"""Reproach of the caller found by sentence structure (agents/analyze/reproach.py, session 15):
the caller as the subject of a modal perfect or a duty they missed, emphatic do in a statement,
the caller as one of everybody, a minimiser, a retort tag; and the courteous lines with the same
grammar that must stay clean (what happened *to* the caller, a condition, a question, a softener,
the agent reading their own record). The lines are written for these tests, none is from
bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach import reproach
from agents.analyze.rules import analyze_with_rules


@pytest.mark.parametrize("text", [
    "You ought to have phoned before sending it back.",
    "Honestly, you should've kept the receipt.",
    "You should of booked the return slot yourself.",   # ASR's spelling of should've
    "You were supposed to tell us about the new address.",
    "Customers are meant to check the parcel at the door.",
    "So what you had to do was ring us within the week.",
    "The email does tell you all this.",
    "We did remind you twice in October.",
    "You did tick the box saying you'd read it.",
    "Everybody claims they never got the letter.",
    "Funny, everyone seems to think that.",
    "It isn't exactly difficult to reset.",
    "Mechanics need weekends too, you know.",
    "You must have typed the wrong email in.",
])
def test_reproach_by_structure(text):
    assert reproach(text)


@pytest.mark.parametrize("text", [
    "You should have received a text this morning.",          # happened to the caller
    "You must have been so worried.",
    "You'd have been told on the day, normally.",
    "If you didn't get the email, I can send it again.",      # a condition
    "Did you need to change the delivery address as well?",   # a question
    "I'm sorry, you were supposed to get a callback yesterday.",  # softened (and happened to them)
    "You were meant to get a callback yesterday.",
    "I do apologise for the wait.",                           # emphatic do of courtesy or an offer
    "We do have a slot on Tuesday at ten.",
    "We do deliver on Sundays now.",
    "It does say here that the parcel was signed for.",       # the agent reading their record
    "You shouldn't have to wait that long, I'll chase it.",
    "Everyone in your street is affected, the engineers are on site.",
    "It's not a problem at all.",
    "Not that one, the one underneath it.",
    "You could have a refund or an exchange, whichever you prefer.",
    "That should have been sorted last week, I'll put it right now.",
    "You should have it by Friday.",
    "You did the right thing calling us.",
    "You don't need to do anything else.",
    "I did check and it's all fine.",
    "I did ask the engineer to ring you before he comes.",  # the agent's own work
    "I did put a note on the account last time.",
])
def test_courteous_lines_with_the_same_grammar(text):
    assert not reproach(text)


def test_the_scorecard_fails_a_reproach_it_has_no_rule_for(builtin_catalog):
    """End to end: the English scorecard turns the structure into a quoted failure."""
    scorecard = builtin_catalog.scorecard("support-en")
    transcript = {"language": "en", "segments": [
        {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Good morning, Lakeside Lettings, Priya speaking."},
        {"speaker": "client", "start": 3.0, "end": 8.0, "text": "Hi, my deposit hasn't come back and it's been six weeks."},
        {"speaker": "agent", "start": 8.0, "end": 13.0, "text": "You ought to have sent the forwarding form when you moved out."},
        {"speaker": "client", "start": 13.0, "end": 15.0, "text": "Oh. I see."},
    ]}
    verdict = next(v for v in analyze_with_rules(transcript, scorecard)["criteria"] if v["id"] == "no_rude_language")
    assert verdict["verdict"] == "not_met"
    assert "forwarding form" in verdict["evidence"][0]["quote"]


@pytest.mark.parametrize(("text", "rude"), [
    ("If you'll insist on leaving it plugged in all night, the fuse goes.", True),   # ASR's "you'll"
    ("If you will carry on using the old charger, it'll keep happening.", True),
    ("If you'll bear with me a moment, I'll check that.", False),
])
def test_the_habit_held_against_the_caller_as_asr_writes_it(text, rude, builtin_catalog):
    from agents.analyze.transcript import rule_search
    rules = builtin_catalog.scorecard("support-en").criterion("no_rude_language").rules["en"]
    assert any(all(rule_search(p, text) for p in alternative) for alternative in rules) is rude


@pytest.mark.parametrize(("text", "rude"), [
    ("Callers do forget to book the slot, that's why it's on the form.", True),   # callers in general
    ("People do lose these cards, so it's their own lookout.", True),
    ("People do ask that a lot, I'm sorry it isn't clearer.", False),              # softened
])
def test_insistence_about_callers_in_general(text, rude):
    assert bool(reproach(text)) is rude


def test_a_negated_insult_is_reassurance(builtin_catalog):
    scorecard = builtin_catalog.scorecard("support-en")

    def verdict(line: str) -> str:
        transcript = {"language": "en", "segments": [
            {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Hello, Brookside Opticians, Sam speaking."},
            {"speaker": "client", "start": 3.0, "end": 7.0, "text": "I feel so stupid, I've ordered the wrong lenses."},
            {"speaker": "agent", "start": 7.0, "end": 11.0, "text": line},
        ]}
        return next(v["verdict"] for v in analyze_with_rules(transcript, scorecard)["criteria"] if v["id"] == "no_rude_language")
    assert verdict("Honestly, you're not stupid at all, the order page is confusing.") == "met"
    assert verdict("Don't be stupid, just send them back.") == "not_met"


@pytest.mark.parametrize(("text", "rude"), [
    ("Проверять надо, что подписываете.", True),     # the infinitive first: a lecture, whatever the verb
    ("Ну, заряжать вовремя нужно, тогда и работать будет.", True),
    ("Так. Сохранять чеки надо, мы без чека не принимаем.", True),
    ("Вам нужно оплатить до пятницы.", False),          # a plain instruction
    ("Оплатить нужно вам до пятницы, я пришлю ссылку.", False),
    ("Если нужно, я перезвоню завтра.", False),
])
def test_russian_fronted_infinitive_as_a_lecture(text, rude, builtin_catalog):
    from agents.analyze.transcript import rule_search
    rules = builtin_catalog.scorecard("support-ru").criterion("no_rude_language").rules["ru"]
    assert any(all(rule_search(p, text) for p in alternative) for alternative in rules) is rude


def test_reproach_only_for_a_language_with_a_parser():
    from pydantic import ValidationError

    from catalog.scorecards import Criterion
    assert Criterion(id="polite", label="Polite", weight=1, expect="absent", reproach=("en",)).reproach == ("en",)
    assert Criterion(id="polite", label="Polite", weight=1, expect="absent", reproach=("ru",)).reproach == ("ru",)
    with pytest.raises(ValidationError, match="no sentence parser for de"):
        Criterion(id="polite", label="Polite", weight=1, expect="absent", reproach=("de",))
