"""Greetings that name only the company, and Russian openings as the ASR garbles them (session 15):
GUIDE.md asks for a greeting and the agent's name *and/or* the company's. The lines are written for
these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from test_analyze_opening_closing_14 import english, english_opening, russian, russian_opening  # noqa: F401


@pytest.mark.parametrize("opening", [
    "Hi there, thanks for calling Pebble and Pine, how can I help today?",
    "Good morning, welcome to Hartwell Opticians, what can I do for you?",
    "Hello, you've reached Brookside Motors, how can I help?",
])
def test_a_greeting_that_names_the_company_is_a_greeting(english, opening):
    assert english_opening(english, opening) == "met"


@pytest.mark.parametrize("opening", [
    "Hi, thanks for calling, how can I help?",          # no company, no name
    "Hello, welcome to the helpline, what's up?",        # no company's name
])
def test_thanks_for_calling_with_nobody_named_is_no_greeting(english, opening):
    assert english_opening(english, opening) == "not_met"


@pytest.mark.parametrize("opening", [
    # the ASR puts a comma inside the company's name, before the greeting
    "Типография, новый формат здравствуйте.",
    "Автомойка, чистый берег, здравствуйте.",
    # the company's name garbled, then the greeting and the agent's name close the phrase
    "Велопро кот крутит, педали, здравствуйте, <PERSON>.",
    "И садовый центр зелёный мир Добрый день, <PERSON>",
])
def test_a_russian_company_then_a_greeting_as_the_asr_writes_it_is_a_greeting(russian, opening):
    assert russian_opening(russian, opening) == "met"


@pytest.mark.parametrize("opening", [
    "Да, здравствуйте, <PERSON>?",                    # greeting the client by name: nobody introduced
    "Слушаю вас, здравствуйте.",
])
def test_a_russian_greeting_that_names_nobody_is_no_greeting(russian, opening):
    assert russian_opening(russian, opening) == "not_met"
