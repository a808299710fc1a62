"""Summaries (session 24): a next step that only promises a message confirming the arrangement gives way
to the arrangement itself. Calls written for these tests (real e5 model)."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import template_summary
from agents.analyze.summary_cues import is_notice
from agents.analyze.transcript import Turn


def summary(turns: list[tuple[str, str]], language: str = "en") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns), language)


def test_a_message_that_confirms_is_a_notice():
    assert is_notice("You'll get a text confirming the visit tonight.")
    assert is_notice("Okay, I'll send you a confirmation email this afternoon.")
    assert is_notice("Вам придёт смс с подтверждением сегодня.")
    # near-twins: the arrangement itself, or an act with the message after it, is no bare notice
    assert not is_notice("I've rebooked the plumber for Friday, and you'll get a text the night before.")
    assert not is_notice("The plumber will text you on Friday morning with a two-hour window.")
    assert not is_notice("Мастер приедет в пятницу с девяти до двенадцати.")
    assert not is_notice("You'll get the refund of thirty pounds within five days.")


def test_the_arrangement_is_the_next_step_not_its_confirmation():
    text = summary([
        ("agent", "Good afternoon, Hillside Plumbing, Dan speaking."),
        ("client", "Hi, your plumber didn't come this morning and my kitchen tap is still leaking."),
        ("agent", "I'm sorry about that. I've rebooked him for Friday the eleventh, between nine and one."),
        ("client", "Friday works, thanks."),
        ("agent", "Great. You'll get a text confirming it tonight."),
        ("client", "Okay, bye."),
    ])
    assert "I've rebooked him for Friday the eleventh" in text
    assert "Next: You'll get a text" not in text  # the message may fill room left, never as the next step
    assert len(text) <= 300


def test_a_next_step_that_says_more_than_the_message_stays():
    text = summary([
        ("agent", "Good afternoon, Hillside Plumbing, Dan speaking."),
        ("client", "Hi, your plumber didn't come this morning and my kitchen tap is still leaking."),
        ("agent", "I'm sorry about that. I can see he was off sick on Monday."),
        ("client", "So what now?"),
        ("agent", "The plumber will ring you on Friday morning to arrange the visit."),
        ("client", "Okay, bye."),
    ])
    assert "The plumber will ring you on Friday morning" in text
