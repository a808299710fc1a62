"""Summaries over ASR's cuts, outcomes the caller states, settled offers, small talk and two
problems (agents/analyze/summary_joins.py, summary.py). Real e5 model; every line is written for
these tests, none is from the evaluation set."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import MAX_SUMMARY_CHARS, compact, template_summary
from agents.analyze.summary_joins import dangling, statement
from agents.analyze.transcript import Turn

OPENING = ("agent", "Good morning, Brightline Energy, you're speaking with <PERSON>, calls are recorded.")


def call(turns: list[tuple[str, str]]) -> CallText:
    return CallText([Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)])


def summary(turns: list[tuple[str, str]]) -> str:
    text = template_summary(call(turns), "en")
    assert len(text) <= MAX_SUMMARY_CHARS
    return text


def test_words_a_segment_ends_on_start_the_next_segments_sentence():
    turns = call([OPENING, ("client", "My meter display has gone blank since the storm."),
                  ("agent", "Thanks for waiting. The replacement meter"),
                  ("agent", "will be fitted within five working days by our engineer.")])
    assert dangling(turns) == {3}
    text = summary([OPENING, ("client", "My meter display has gone blank since the storm."),
                    ("agent", "Thanks for waiting. The replacement meter"),
                    ("agent", "will be fitted within five working days by our engineer."), ("client", "Okay.")])
    assert "The replacement meter will be fitted within five working days" in text
    assert "meter Next" not in text and "meter Done" not in text


def test_a_finished_segment_is_not_joined_to_the_next():
    assert dangling(call([OPENING, ("client", "I'm moving out on Friday."), ("agent", "right, let me look.")])) == set()


def test_a_dictated_date_of_birth_is_no_reason():
    text = summary([
        ("agent", "Hello, Parkside Pharmacy, <PERSON> speaking. Can I take your date of birth first?"),
        ("client", "12th of March, 1969."),
        ("client", "My repeat prescription hasn't come through and I've run out of tablets."),
        ("agent", "I've sent the request to your surgery again and it will be ready for collection tomorrow after two.")])
    assert "1969" not in text
    assert "prescription" in text


def test_a_statement_run_on_into_a_question_is_quoted_without_it():
    assert statement("I've waived the fee and the refund goes back by Monday Oh, great Anything else I can do?") == \
        "I've waived the fee and the refund goes back by Monday."
    assert statement("Can I take your postcode?") == "Can I take your postcode?"
    text = summary([OPENING, ("client", "I've been charged a late fee but I paid on time."),
                    ("agent", "I can see the payment reached us on the due date."),
                    ("agent", "I've removed the late fee and a corrected statement will reach you by Monday "
                              "Oh, lovely Anything else I can do for you today?"), ("client", "No, thanks.")])
    assert "corrected statement will reach you by Monday" in text
    assert "Anything else" not in text


def test_a_next_step_that_begins_with_it_keeps_the_sentence_it_refers_to():
    text = summary([OPENING, ("client", "I need a copy of my tenancy agreement for the council."),
                    ("agent", "I've updated your contact details while we were at it."),
                    ("agent", "I've added a note to the file for the council as well."),
                    ("agent", "I can post a paper copy of the agreement to your home address."),
                    ("agent", "It will arrive within three working days."), ("client", "Great, thank you.")])
    assert "paper copy" in text and "three working days" in text


def test_the_outcome_the_caller_states_and_the_agent_confirms_is_the_next_step():
    text = summary([OPENING, ("client", "Our kitchen fitting has to move, the worktops aren't ready."),
                    ("agent", "I'm sorry about that. Let me check the fitters' diary."),
                    ("client", "Could they come a week on Thursday instead?"),
                    ("agent", "Yes, the team is free that day."),
                    ("client", "Perfect, so it's the fitters at nine a week on Thursday?"),
                    ("agent", "That's right."), ("client", "Thanks, bye.")])
    assert "Next: It's the fitters at nine a week on Thursday." in text


def test_an_offer_the_caller_takes_and_the_agent_settles_is_the_outcome():
    text = summary([OPENING, ("client", "I can't pay the whole bill this month, I've had my hours cut."),
                    ("agent", "I'm sorry to hear that, it's a worrying time."),
                    ("agent", "I've put a note on your account so no reminder letters go out."),
                    ("agent", "I've also checked and your last two payments were on time."),
                    ("agent", "I can put you on a payment plan of forty pounds a month, starting on the first of May."),
                    ("client", "Yes, that works for me."), ("agent", "Okay, that's set up.")])
    assert "payment plan of forty pounds a month, starting on the first of May" in text


def test_the_reason_comes_after_the_small_talk():
    text = summary([OPENING, ("client", "Morning! Lovely to see some sunshine at last, isn't it? I've been out in the garden."),
                    ("agent", "It is, we've all been at the window here."),
                    ("client", "Anyway, the boiler's been making a loud banging noise since yesterday."),
                    ("agent", "I've booked an engineer for Wednesday between eight and one.")])
    assert text.startswith("Reason: The boiler's been making a loud banging noise")


def test_a_caller_with_two_things_gets_both_as_the_reason():
    text = summary([OPENING, ("client", "Hi, I've got two things really. First, my bill has a charge for a router I sent back."),
                    ("agent", "Let me look at that for you."),
                    ("client", "And the second thing, my direct debit date needs moving to the fifteenth."),
                    ("agent", "I've taken the router charge off and moved your debit to the fifteenth.")])
    reason = text.split(" Done:")[0]
    assert "router" in reason and "direct debit" in reason
    assert "two things" not in reason


def test_a_clause_with_a_sum_survives_compaction():
    assert compact("The booking's moved, and the twenty pounds comes off your card, as we said.", "en") == \
        "The booking's moved, and the twenty pounds comes off your card."


def test_a_payment_confirmed_without_its_sum_is_quoted_with_the_sum_named_before():
    text = summary([OPENING, ("client", "Hi, I'd like to add a second bin to my garden waste collection, please."),
                    ("agent", "No problem. A second bin is thirty-eight pounds for the year."),
                    ("client", "Fine, I'll pay by card."),
                    ("agent", "Go ahead with the long number."),
                    ("client", "<CREDIT_CARD>."),
                    ("agent", "And the expiry date?"),
                    ("client", "Nine twenty-nine."),
                    ("agent", "That's gone through, the bin will be delivered within ten working days.")])
    assert "thirty-eight pounds" in text.split("Done:")[1]


def test_a_payment_confirmed_with_its_sum_takes_nothing_more():
    from agents.analyze.summary_joins import _SUM, _PAID
    assert _PAID.search("Оплата прошла, спасибо.") and _PAID.search("That's gone through on your card.")
    assert _SUM.search("Это будет шесть тысяч двести.") and _SUM.search("So that's twenty on top.")
    assert not _SUM.search("Long number on the card when you're ready.")


def test_a_hesitation_is_trimmed_like_any_filler():
    from agents.analyze.summary_text import trim
    assert trim("Erm, so my landlord says the boiler is ours to fix.") == "My landlord says the boiler is ours to fix."
