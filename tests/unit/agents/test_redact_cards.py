"""Card numbers as ASR hears them (agents.redact.cards): pure functions, no models."""
from __future__ import annotations

from agents.redact.cards import card_talk_turns, digit_stretches, heard_card_spans


def said(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_a_card_broken_by_asr_into_groups_letters_and_short_words_is_one_number():
    # a zero heard as the letter O, a digit pair heard as "to", full stops between groups
    text = "Yes, it's 5 412. 7O 3 9 to 1 8 4 4 6 2 0. Thanks."
    assert said(text, heard_card_spans(text, "en")) == ["5 412. 7O 3 9 to 1 8 4 4 6 2 0"]
    ru = "Записывайте: пять четыре, один два, семь ноль, три девять, ами, восемь четыре, четыре шесть, два ноль."
    assert said(ru, heard_card_spans(ru, "ru")) == [
        "пять четыре, один два, семь ноль, три девять, ами, восемь четыре, четыре шесть, два ноль"]


def test_words_between_numbers_end_them_so_prices_and_dates_stay_apart():
    text = "So 42 pounds on the one ending 7310, due on the 3rd at 11 and 24 after."
    assert heard_card_spans(text, "en") == []
    assert all(digits < 13 for _, _, digits in digit_stretches(text))


def test_a_number_the_turn_names_as_something_else_is_no_card():
    assert heard_card_spans("And the sort code and account, 40 11 62, 7155 0394 81.", "en") == []
    assert heard_card_spans("Мобильный тот же: восемь девятьсот шестнадцать, сто два, тридцать, сорок один, ноль ноль.", "ru") == []
    # ...unless it calls it a card too
    text = "The card on the account is 4000 1234 5678 9010."
    assert said(text, heard_card_spans(text, "en")) == ["4000 1234 5678 9010"]


def test_card_talk_reaches_the_turns_before_and_after_it():
    """The number may come first and the card only in the agent's confirmation, or as a brand."""
    texts = ["Shall I take the payment now?", "Okay, go on, 5 1 0 0...", "Taken, on the one ending 0044.",
             "Lovely, that's the Mastercard done.", "Anything else?", "No.", "Bye then.", "Bye."]
    assert card_talk_turns(texts, "en") == [False, True, True, True, True, True, False, False]
    assert card_talk_turns(["Оплачу с визы, диктую.", "Ладно."], "ru") == [True, True]


def test_a_corrected_digit_does_not_cut_the_number_in_two():
    text = "Go on... 3 7 8 2 1 1. Oops, no, 1 2, 4 4 0 9 9 3 1 2."
    assert said(text, heard_card_spans(text, "en")) == ["3 7 8 2 1 1. Oops, no, 1 2, 4 4 0 9 9 3 1 2"]
    ru = "Пять пять ноль ноль, шесть... ой, нет, извините, шесть семь ноль один, три три, восемь один."
    assert len(heard_card_spans(ru, "ru")) == 1


def test_asr_words_for_a_digit_pair_do_not_cut_the_number_and_an_answered_request_names_it():
    ru = "хорошо, пять пять ноль ноль шесть семь дивину нули три три восемь один два четыре девять"
    assert said(ru, heard_card_spans(ru, "ru")) == ["пять пять ноль ноль шесть семь дивину нули три три восемь один два четыре девять"]
    reply = "Восемь, девятьсот, шестнадцать, сто, два, тридцать, сорок, один, ноль, ноль, семь."
    assert heard_card_spans(reply, "ru", asked="А номер мобильного для связи?") == []
    assert heard_card_spans(reply, "ru", asked="Диктуйте.") != []


def test_a_word_naming_a_number_ends_the_one_before_it():
    """A phone then the card's last digits in one reply are two numbers, neither a full card."""
    ru = "Восемь девятьсот двадцать пять, сорок, сорок, ноль три, а у карты последние два два один пять."
    assert heard_card_spans(ru, "ru", asked="Телефон и последние цифры карты, пожалуйста.") == []
    assert [digits for _, _, digits in digit_stretches(ru)][-1] == 4 and len(digit_stretches(ru)) == 2
    en = "07700 900 123, card ends 4471."
    assert [digits for _, _, digits in digit_stretches(en)] == [11, 4]
