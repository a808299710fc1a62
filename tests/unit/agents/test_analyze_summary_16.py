"""Summaries hold what a QA lead looks for (session 16): the price the agent quoted, why an agent
rang when something went wrong, the problem after the caller's setting, and no values read out for
a check. Calls written for these tests (real e5 model)."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import template_summary
from agents.analyze.summary_cues import is_cause, names_problem, names_sum
from agents.analyze.transcript import Turn


def summary(turns: list[tuple[str, str]], language: str = "en", direction: str = "unknown") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns, direction=direction), language)


def test_a_price_the_agent_quotes_is_a_sum_a_balance_read_out_is_not_a_price():
    assert names_sum("The new hinge is twelve pounds on top.")
    assert names_sum("That comes to thirty-five all in.")
    assert not names_sum("The engineer comes on Tuesday.")
    assert not names_sum("Это четыре тысячи двести.")  # Russian read-outs carry sums everywhere...
    assert not names_sum("Ежемесячный платёж восемнадцать тысяч.")
    assert names_sum("За срочность доплата — тысяча пятьсот рублей.")  # ...a price word makes one a price
    assert names_sum("Замена фильтра стоит девятьсот рублей.")


def test_a_cause_is_a_fault_with_its_consequence():
    assert is_cause("The printer at the depot broke down, so your letters went out late.")
    assert is_cause("Курьер заболел, поэтому доставку перенесли.")
    assert not is_cause("The printer at the depot is brand new.")
    assert not is_cause("The van broke down.")  # a fault with no consequence may be small talk


def test_a_problem_is_a_fault_word_or_a_negated_verb():
    assert names_problem("Since I got it home it doesn't switch on.")
    assert names_problem("Холодильник опять не морозит.")
    assert not names_problem("I bought a kettle from you last week.")
    assert not names_problem("Шесть тысяч для нас не копейки.")  # "не" before a noun names no fault


def test_the_price_the_agent_quotes_is_quoted():
    text = summary([
        ("agent", "Morning, Harbour Bikes workshop, <PERSON> speaking."),
        ("client", "Hi, my back brake is squealing really badly and I'd like it looked at."),
        ("agent", "Okay, we can replace the pads and the disc."),
        ("client", "How much would that be?"),
        ("agent", "The pads and the disc come to thirty-eight pounds all in."),
        ("client", "Fine, go on then."),
        ("agent", "I've put you down for Friday morning, and I've noted that the brake squeals when it is wet."),
        ("agent", "It will be ready to collect after three on Friday."),
        ("client", "Cheers.")])
    assert "thirty-eight pounds" in text
    assert "Friday" in text


def test_why_the_agent_rang_holds_the_fault_they_tell_a_turn_later():
    text = summary([
        ("client", "Hello?"),
        ("agent", "Hello, it's <PERSON> from Greenway Furniture, I'm ringing about your sofa delivery tomorrow."),
        ("client", "Oh yes, is everything okay?"),
        ("agent", "I'm afraid our lorry has broken down, so we can't bring it tomorrow."),
        ("client", "Oh, that's annoying."),
        ("agent", "I've moved you to Monday, between eight and twelve."),
        ("client", "Okay, Monday is fine.")], direction="outgoing")
    reason = text.split("Done:")[0]
    assert "sofa delivery" in reason and "broken down" in reason
    assert "Monday" in text


def test_the_callers_problem_follows_the_setting():
    text = summary([
        ("agent", "Good afternoon, Brightside Appliances, how can I help?"),
        ("client", "Hi, I bought a toaster from you last week, the red one with the wide slots, for my new flat. "
                   "Since I got it home it doesn't heat up at all."),
        ("agent", "Sorry to hear that. I've arranged a replacement for you."),
        ("agent", "It will arrive on Thursday."),
        ("client", "Thank you.")])
    reason = text.split("Done:")[0]
    assert "toaster" in reason and "doesn't heat up" in reason


def test_values_read_out_for_a_check_are_never_the_reason():
    text = summary([
        ("agent", "Hello, Northfield Water, <PERSON> speaking, can I take your details?"),
        ("client", "Date of birth the third of June, postcode <ADDRESS>."),
        ("agent", "Thanks. How can I help today?"),
        ("client", "You've charged me twice for the same month on my water bill."),
        ("agent", "I've refunded the second payment to your account."),
        ("agent", "You'll see it within five working days."),
        ("client", "Great.")])
    assert "postcode" not in text and "<ADDRESS>" not in text
    assert "charged me twice" in text
