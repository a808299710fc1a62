"""The agent's opening turn read as a whole (session 20, h-open20; agents/analyze/opening.py):
Whisper cuts one spoken opening at its pauses into sentences, or into two segments before the
caller speaks, and the greeting word and the company then sit in different sentences. Each part
is still required. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.opening import opening_turns, read_whole
from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import Turn

from test_analyze_opening_closing_14 import english, english_opening, russian, russian_opening  # noqa: F401
from test_analyze_rules import by_id, redacted


def turn(index: int, text: str, speaker: str = "agent", start: float | None = None) -> Turn:
    at = float(index * 3) if start is None else start
    return Turn(index, at, at + 2.5, speaker, text)


# --- reading the opening whole --------------------------------------------------------------------

def test_full_stops_inside_the_opening_read_as_commas_and_the_sentence_capital_is_dropped():
    assert read_whole(["Аптека на Лесной. Рецептурный отдел. Добрый вечер."]) == \
        "Аптека на Лесной, рецептурный отдел, добрый вечер."
    assert read_whole(["Hello.", "Riverside Vets. Jo speaking."]) == "Hello, riverside Vets, jo speaking."


def test_a_question_mark_and_a_title_before_a_name_stay_as_they_are():
    assert read_whole(["Алло? Добрый день."]) == "Алло? Добрый день."
    assert read_whole(["Hi. Is that Mrs. <PERSON>?"]) == "Hi, is that Mrs. <PERSON>?"


def test_the_opening_is_the_agents_first_run_of_segments_before_the_caller_speaks():
    turns = [turn(0, "Алло?", "client"), turn(1, "Добрый день."), turn(2, "Служба доставки «Пчёлка»."),
             turn(3, "Да, слушаю.", "client"), turn(4, "Меня зовут Вера.")]
    roles = {t.index: t.speaker for t in turns}
    assert [t.index for t in opening_turns(turns, roles, {1, 2, 4})] == [1, 2]


def test_a_segment_of_unknown_speaker_stands_alone():
    turns = [turn(0, "Добрый день.", "unknown"), turn(1, "Служба доставки.", "unknown")]
    roles = {t.index: "unknown" for t in turns}
    assert [t.index for t in opening_turns(turns, roles, {0, 1})] == [0]


# --- the greeting verdict -------------------------------------------------------------------------

@pytest.mark.parametrize("opening", [
    "Химчистка у моста. Приёмка. Добрый день.",             # the business, its desk, the greeting
    "Ремонт часов на Гончарной. Мастерская. Здравствуйте.",
])
def test_a_russian_opening_cut_into_sentences_is_still_a_greeting(russian, opening):
    assert russian_opening(russian, opening) == "met"


@pytest.mark.parametrize("opening", [
    "Химчистка у моста. Приёмка. Слушаю вас.",              # no greeting word anywhere
    "Добрый день. Чем могу помочь?",                        # a greeting, nobody named
])
def test_a_russian_opening_cut_into_sentences_still_needs_each_part(russian, opening):
    assert russian_opening(russian, opening) == "not_met"


def test_an_opening_in_two_segments_before_the_caller_speaks_is_one_greeting(russian):
    call = [(0.0, 2.0, "agent", "Химчистка у моста."), (2.2, 3.5, "agent", "Приёмка. Добрый день."),
            (4.0, 8.0, "client", "Здравствуйте, я сдавала пальто в чистку."),
            (8.5, 10.0, "agent", "Сейчас посмотрю.")]
    assert by_id(analyze_with_rules(redacted(call, "ru"), russian), "greeting")["verdict"] == "met"
    # the caller's words between the two parts end the opening: the greeting then is the caller's reply
    call = [(0.0, 2.0, "agent", "Химчистка у моста. Приёмка."), (2.2, 3.5, "client", "Добрый день."),
            (4.0, 8.0, "agent", "Да, слушаю вас."), (8.5, 10.0, "client", "Я сдавала пальто в чистку.")]
    assert by_id(analyze_with_rules(redacted(call, "ru"), russian), "greeting")["verdict"] == "not_met"


def test_an_english_opening_cut_into_sentences(english):
    assert english_opening(english, "Hello. Maple Street Bakery. Ruth speaking.") == "met"
    # no greeting word, however it is cut
    assert english_opening(english, "Maple Street Bakery. Ruth speaking. Go ahead.") == "not_met"
    # an outgoing agent asking for the client by name introduces nobody
    assert english_opening(english, "Hi there. Is that Mrs. <PERSON>? Just checking in.") == "not_met"
