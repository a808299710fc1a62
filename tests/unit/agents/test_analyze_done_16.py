"""The asked-for job reported finished in a word ("Done.", "All sorted.", «Готово.») is a resolution
(session 16): a call centre's agents close a payment or a change that way, and the QA lead counts
it as resolved. A question ("Done yet?") or the word inside a sentence ("once that's done") is not.
The built-in scorecards; the lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


def resolution(scorecard, request: str, agent_says: str, language: str = "en") -> dict:
    opening = ("Hello, Parkway Lettings, Kim speaking." if language == "en"
               else "Здравствуйте, агентство «Парковая», меня зовут Ким.")
    ending = "Thanks, bye." if language == "en" else "Спасибо, до свидания."
    call = [(0.0, 3.0, "agent", opening), (3.5, 8.0, "client", request),
            (8.5, 12.0, "agent", agent_says), (12.5, 14.0, "client", ending)]
    return by_id(analyze_with_rules(redacted(call, language), scorecard), "resolution")


@pytest.mark.parametrize("agent_says", [
    "Done. Anything else I can help with?",
    "Right, all sorted, you're good to go.",
    "That's done now, the receipt's on its way to your inbox.",
    "Done and the receipt is on its way to your inbox.",  # the ASR often drops the comma
])
def test_the_job_reported_done_in_a_word_is_resolved(catalog, agent_says):
    verdict = resolution(catalog.scorecard("support-en"), "I'd like to pay this month's rent by card, please.", agent_says)
    assert verdict["verdict"] == "met"


@pytest.mark.parametrize("agent_says", [
    "Done yet? Hang on, the screen's still loading.",
    "Once that's done someone might look at the rent account, I'm not sure.",
])
def test_done_asked_or_inside_a_sentence_is_no_resolution(catalog, agent_says):
    verdict = resolution(catalog.scorecard("support-en"), "I'd like to pay this month's rent by card, please.", agent_says)
    assert verdict["verdict"] == "not_met"


def test_gotovo_in_russian_is_resolved_and_asked_is_not(catalog):
    russian = catalog.scorecard("support-ru")
    request = "Хочу оплатить аренду за этот месяц картой."
    assert resolution(russian, request, "Готово. Чем-то ещё могу помочь?", "ru")["verdict"] == "met"
    assert resolution(russian, request, "Готово? Подождите, у меня ещё грузится.", "ru")["verdict"] == "not_met"
