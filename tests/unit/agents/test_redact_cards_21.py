"""A card number read back over several turns, or heard with a group missing (agents.redact.cards,
session 21): the read-back is redacted as a card, so the read-back check sees it; the last four
and other numbers stay as they were."""
from __future__ import annotations

from agents.redact.cards import cards_across_turns, same_card


def pieces(texts: list[str], speakers: list[str], language: str) -> dict[int, list[str]]:
    found = cards_across_turns(texts, speakers, language)
    return {i: [texts[i][a:b] for a, b in spans] for i, spans in sorted(found.items())}


def test_a_read_back_cut_over_the_agents_turns_with_the_callers_yes_between_is_a_card():
    texts = ["Right, I can take that on your card now, go ahead.",
             "It's 4921 3307 5582 6614.",
             "Okay, so that's 4921 3307,",
             "Yes.",
             "5582 6614, all correct?",
             "That's it."]
    speakers = ["agent", "client", "agent", "client", "agent", "client"]
    found = pieces(texts, speakers, "en")
    assert found[2] == ["4921 3307"] and found[4] == ["5582 6614"]
    assert 5 not in found


def test_a_number_said_over_turns_on_a_mono_call_is_joined_in_words_too():
    texts = ["Which card shall we use?",
             "The Visa. Four nine two one, three three oh seven,",
             "Mm-hm.",
             "five five eight two, six six one four.",
             "Thank you."]
    found = pieces(texts, ["unknown"] * len(texts), "en")
    assert found == {1: ["Four nine two one, three three oh seven"], 3: ["five five eight two, six six one four"]}


def test_a_read_back_the_asr_heard_with_a_group_missing_is_still_the_card():
    texts = ["Карту назовите, пожалуйста.",
             "Пишите: четыре два семь шесть, один один ноль три, пять пять восемь два, девять ноль ноль один.",
             "Повторяю: четыре два семь шесть, один один ноль три, девять ноль ноль один. Так?",
             "Да."]
    speakers = ["agent", "client", "agent", "client"]
    assert pieces(texts, speakers, "ru")[2] == ["четыре два семь шесть, один один ноль три, девять ноль ноль один"]


def test_the_last_four_alone_are_no_card():
    texts = ["Go ahead with the card, please.", "Sure, 4921 3307 5582 6614.",
             "Thanks, that's the card ending 6614 saved.", "Great."]
    assert cards_across_turns(texts, ["agent", "client", "agent", "client"], "en") == {}
    ru = ["Диктуйте номер карты.", "Два два ноль ноль, один семь три пять, шесть шесть ноль девять, четыре один два восемь.",
          "Спасибо, карта на четыре один два восемь, оплата прошла.", "Хорошо."]
    assert 2 not in cards_across_turns(ru, ["unknown"] * 4, "ru")


def test_an_order_number_read_out_over_two_turns_is_no_card():
    texts = ["And your card went through, thank you.", "Great.",
             "Your order number is 5530 2291", "Okay.", "7714, if you want to write it down."]
    assert cards_across_turns(texts, ["agent", "client", "agent", "client", "agent"], "en") == {}
    ru = ["Оплата картой прошла.", "Отлично.", "Номер заказа: сорок два, семнадцать, ноль девять,", "Ага.",
          "триста восемьдесят один, пятьдесят пять."]
    assert cards_across_turns(ru, ["agent", "client", "agent", "client", "agent"], "ru") == {}


def test_a_card_and_its_last_four_in_the_next_turn_are_not_one_longer_number():
    texts = ["Card number please.", "5100 2233 4455 6677", "6677, lovely, got it."]
    found = cards_across_turns(texts, ["unknown"] * 3, "en")
    assert 2 not in found


def test_same_card_allows_one_group_lost_or_misheard_but_not_the_last_four():
    card = "4921330755826614"
    assert same_card("492133076614", card)        # a group lost
    assert same_card("4921330755896614", card)    # a group misheard
    assert not same_card("6614", card)
    assert not same_card("55826614", card)
    assert not same_card("7719330755826600", card)  # two groups differ


def test_a_long_number_said_and_read_back_is_a_card_when_no_word_about_the_card_was_heard():
    texts = ["There's a forty pound fee to pay today, I can take it now.",
             "Sure. It's 4716 3092 5847 0162.",
             "So that's 4716 3092 5847 0162.",
             "Yes."]
    found = pieces(texts, ["agent", "client", "agent", "client"], "en")
    assert found == {1: ["4716 3092 5847 0162"], 2: ["4716 3092 5847 0162"]}
    ru = ["Предоплата тысяча рублей, продиктуйте.", "Два два ноль ноль, семь один три пять, шесть шесть ноль девять, четыре один два восемь.",
          "Так, два два ноль ноль, семь один три пять, шесть шесть ноль девять, четыре один два восемь.", "Да."]
    assert set(cards_across_turns(ru, ["unknown"] * 4, "ru")) == {1, 2}


def test_a_long_number_said_once_with_no_card_talk_stays_as_it_was():
    texts = ["What's the reference on the letter?", "It's 4716 3092 5847 0162.", "Thanks, one moment."]
    assert cards_across_turns(texts, ["agent", "client", "agent"], "en") == {}
    # a number named as something else is no card, however often it is said
    named = ["Your order number is 4716 3092 5847 0162.", "4716 3092 5847 0162?", "Yes, that's the order."]
    assert cards_across_turns(named, ["agent", "client", "agent"], "en") == {}


def test_a_read_back_run_on_into_talk_of_another_number_is_still_the_card():
    # ASR runs the read-back into the next sentence, which names a policy: the digits are the card's
    texts = ["Доплата восемьсот рублей, можно картой прямо сейчас.",
             "Давайте: четыре два семь шесть, три восемь пять пять, восемь девять четыре четыре, два ноль один три.",
             "4276 3855 8944 2013 оплата прошла новый полис придёт вам на почту",
             "Спасибо."]
    found = pieces(texts, ["client" if i % 2 else "agent" for i in range(4)], "ru")
    assert found.get(2) == ["4276 3855 8944 2013"]
    # a policy number of its own, never said as a card, stays
    policy = ["Доплата восемьсот рублей, можно картой прямо сейчас.", "Давайте.",
              "Номер нового полиса 4276 3855 8944 2013, он придёт на почту", "Спасибо."]
    assert 2 not in cards_across_turns(policy, ["agent", "client", "agent", "client"], "ru")
