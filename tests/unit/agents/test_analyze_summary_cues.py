"""Wording cues that rank summary statements (agents/analyze/summary_cues.py): no model needed."""
from __future__ import annotations

from agents.analyze.summary_cues import done_bonus, is_action, is_commitment, is_figure_only, without_concession


def test_completed_actions_and_commitments_are_actions():
    for text in ("I've put the refund through.", "We have reset the router remotely.", "That's gone through.",
                 "It's cancelled from the end of the month.", "I'll send the form tonight.",
                 "Your card has been unblocked.", "Я оформила возврат.", "Заявка оформлена."):
        assert is_action(text), text
    for text in ("I've got a question.", "I've been looking at it.", "Your balance is forty pounds.",
                 "There's a burst main in the area.", "It was left with a neighbour."):
        assert not is_action(text), text


def test_a_bare_amount_is_a_figure_but_an_action_with_an_amount_is_not():
    assert is_figure_only("It's only nine ninety nine.")
    assert is_figure_only("The payment's eight hundred pounds, due on the twelfth.")
    assert not is_figure_only("I've refunded the forty pounds.")
    assert not is_figure_only("There's a cancellation fee of forty pounds.")  # a fee is news to the caller


def test_an_english_next_step_needs_future_or_commitment_wording():
    assert is_commitment("It'll be with you by Friday.", "en")
    assert is_commitment("The engineer is booked for Tuesday.", "en")
    assert not is_commitment("The payment is due on the twelfth.", "en")
    assert is_commitment("Мастер приедет в четверг.", "ru")  # no marker word in Russian: the date decides


def test_a_concession_before_an_action_is_dropped_and_kept_before_anything_else():
    assert without_concession("I'm afraid we can't cover the hotel, but I've added a voucher.") == "I've added a voucher."
    kept = "Unfortunately it's not covered, but that's the policy."
    assert without_concession(kept) == kept


def test_actions_and_late_statements_rank_higher_and_figures_lower():
    assert done_bonus(9, 10, "I've booked an engineer.") > done_bonus(9, 10, "There's a fault on the line.")
    assert done_bonus(9, 10, "There's a fault on the line.") > done_bonus(1, 10, "There's a fault on the line.")
    assert done_bonus(5, 10, "Your balance is sixty pounds.") < done_bonus(5, 10, "There's a fault on the line.")


def test_a_bare_hedge_is_recognised():
    from agents.analyze.summary_cues import is_hedge
    assert is_hedge("Maybe next week, I couldn't say.")
    assert not is_hedge("The engineer comes on Tuesday.")
