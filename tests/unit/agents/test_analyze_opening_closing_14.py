"""Greeting, recording disclosure and closing as the ASR renders them (session 14, h-greet14; real
e5 model, built-in scorecards): "my name's", a greeting after a filler or after the other side's
words glued onto the agent's turn, a Russian greeting the ASR cut with a full stop, a company name
of several words before the greeting, a disclosure in the plural, "take care, and ...". The lines
are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def english_opening(scorecard, opening: str, criterion: str = "greeting") -> str:
    call = [(0.0, 4.0, "agent", opening), (4.5, 9.0, "client", "Yes, I wanted to ask about my delivery slot."),
            (9.5, 13.0, "agent", "Sure, give me a second to look."), (13.5, 15.0, "client", "Okay.")]
    return by_id(analyze_with_rules(redacted(call), scorecard), criterion)["verdict"]


def russian_opening(scorecard, opening: str, criterion: str = "greeting") -> str:
    call = [(0.0, 4.0, "agent", opening), (4.5, 9.0, "client", "Да, я насчёт доставки дивана."),
            (9.5, 12.0, "agent", "Сейчас посмотрю.")]
    return by_id(analyze_with_rules(redacted(call, "ru"), scorecard), criterion)["verdict"]


# --- greeting, English ----------------------------------------------------------------------------

@pytest.mark.parametrize("opening", [
    # the ASR ends the sentence after the company, so the name stands alone: "my name's" counts
    "Thanks for calling Redwood Dental. My name's Alia. How can I help?",
    "Thank you for calling Quayside Lettings. You're speaking with <PERSON>.",
    # a filler before the greeting
    "Oh, hello there, it's <PERSON> from Fernhill Garage, ringing about your MOT.",
    "Um, hi, this is Dev at Copperleaf Books.",
    # the other side's last words glued onto the start of the agent's turn
    "Sorry, who is it? Hello, it's Maya from Tidewater Travel, about your refund.",
    "Yeah, hi, it's Lou from Fernhill Garage, is that Mr. <PERSON>?",
    "Oh, hi. Is that Mrs. <PERSON>? It's Lou calling from Fernhill Garage.",
])
def test_a_greeting_as_the_asr_renders_it_still_counts(english, opening):
    assert english_opening(english, opening) == "met"


@pytest.mark.parametrize("opening", [
    "Oh, hello? Can you hear me?",                       # a filler and a greeting, no name or company
    "Right, what can I do for you? Hello? Hello?",        # greetings later in the turn, still nobody named
    "Um, Fernhill Garage, what's up?",                    # a company with no greeting word
    "Oh hello, is that Mrs <PERSON>?",                    # the name asked for is the other side's
    # the introduction only as the answer to "who's this?" (sides glued into one ASR turn)
    "Um, hi. Is that Mr. <PERSON>? Yes. Who's calling? Oh, sorry. It's Lou from Fernhill Garage.",
])
def test_a_filler_or_a_later_sentence_alone_makes_no_greeting(english, opening):
    assert english_opening(english, opening) == "not_met"


def test_a_disclosure_with_a_contracted_is_counts(english):
    assert english_opening(english, "Hi, Copperleaf Books, <PERSON> here, and your call's being recorded today.",
                           "recording_disclosure") == "met"


# --- closing, English -----------------------------------------------------------------------------

def english_closing(scorecard, last: str) -> str:
    call = [(0.0, 4.0, "agent", "Good morning, Redwood Dental, <PERSON> speaking."),
            (4.5, 9.0, "client", "Hi, I need to move my check-up."),
            (9.5, 14.0, "agent", "I've moved it to Thursday at ten."), (14.5, 16.0, "client", "Brilliant, thanks."),
            (16.5, 19.0, "agent", last)]
    return by_id(analyze_with_rules(redacted(call), scorecard), "closing")["verdict"]


def test_take_care_followed_by_more_words_is_a_farewell(english):
    assert english_closing(english, "No problem. Take care, and good luck with the new tooth.") == "met"
    assert english_closing(english, "Sure thing. You take care and mind the ice out there.") == "met"
    assert english_closing(english, "Okay. I'll take care of the paperwork.") == "not_met"
    assert english_closing(english, "Right. We can take care of that side.") == "not_met"


# --- greeting, Russian ----------------------------------------------------------------------------

@pytest.mark.parametrize("opening", [
    "Алло. Добрый. День, это Светлана, ателье «Игла».",           # the ASR cut "Добрый день" with a full stop
    "ремонтный центр мастер-плюс Добрый день Геннадий",            # the company in several words, no commas
    "Нотариальная контора «Закон и Порядок», добрый вечер, <PERSON>.",
    "ремонтный центр мастер-плюс <PERSON> день <PERSON>",   # the redaction took the unpunctuated "Добрый" for a name
    "Кинотеатр на Садовой, бронь, добрый вечер.",            # a kind of business in a compound word
])
def test_a_russian_greeting_as_the_asr_renders_it_still_counts(russian, opening):
    assert russian_opening(russian, opening) == "met"


@pytest.mark.parametrize("opening", [
    "Ремонтный центр, слушаю. Алло, здравствуйте!",   # after the handover the greeting is the caller's
    "Ремонтный центр, говорите.",
])
def test_a_russian_handover_without_a_greeting_is_no_greeting(russian, opening):
    assert russian_opening(russian, opening) == "not_met"


# --- recording disclosure, Russian ----------------------------------------------------------------

@pytest.mark.parametrize("line", ["Служба такси «Ромб». Все звонки записываются.",
                                  "Ателье «Игла», здравствуйте, наши беседы могут быть записаны."])
def test_a_disclosure_in_the_plural_counts(russian, line):
    assert russian_opening(russian, line, "recording_disclosure") == "met"


def test_a_record_of_an_order_is_no_disclosure(russian):
    assert russian_opening(russian, "Ателье «Игла», здравствуйте. Записала ваш заказ.", "recording_disclosure") == "not_met"


# --- closing, Russian -----------------------------------------------------------------------------

def russian_closing(scorecard, lines: list[str]) -> str:
    call = [(0.0, 4.0, "agent", "Добрый день, ателье «Игла», меня зовут <PERSON>."),
            (4.5, 9.0, "client", "Здравствуйте, я хочу забрать пальто после ремонта."),
            (9.5, 13.0, "agent", "Пальто готово, можно забирать с десяти до семи.")]
    call += [(14.0 + 3 * i, 16.0 + 3 * i, "agent" if i % 2 == 0 else "client", text) for i, text in enumerate(lines)]
    return by_id(analyze_with_rules(redacted(call, "ru"), scorecard), "closing")["verdict"]


def test_anything_else_asked_in_another_word_order_closes(russian):
    assert russian_closing(russian, ["Так. Ещё вопросы у вас есть?", "Нет, спасибо."]) == "met"


def test_a_report_that_the_job_is_done_closes_nothing(russian):
    assert russian_closing(russian, ["Всё, квитанция оформлена.", "Понятно."]) == "not_met"
