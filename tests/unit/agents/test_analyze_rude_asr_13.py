"""Rudeness as the ASR renders it (session 13, real e5 model, built-in scorecards): the rules hold
when punctuation is lost or moved ("причём" in one word, a question tag made a sentence, a
reproach run into the sentence before it), cover the classes that were found only from the script
(sarcasm that the work did not do itself, blame for acting too late, the client's own past act
held against them, "я вам что, курьер?"), and a polite line that only ties with the rude examples
by meaning is no failure. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze import semantic
from agents.analyze.transcript import rule_search

from test_analyze_criteria_classes import judged
from test_analyze_ordering import english  # noqa: F401 (a fixture)

WORRY = "My washing machine's flooded the utility room and I'm really worried about the floor."


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def forbidden(scorecard, language: str, text: str) -> bool:
    rules = scorecard.criterion("no_rude_language").rules[language]
    return any(all(rule_search(p, text) for p in alternative) for alternative in rules)


@pytest.mark.parametrize(("text", "rude"), [
    ("The invoices don't pay themselves, do they.", True),
    ("Well the van didn't unload itself. Did it?", True),          # ASR made the tag a sentence
    ("You should of rung us before the deadline, love.", True),    # "should've" as ASR writes it
    ("You could have brought it back sooner, we're not a warehouse.", True),
    ("Anything you leave on the drive is down to you, I'm afraid.", True),
    ("Everybody tells us theirs is urgent, to be fair.", True),
    ("The boiler won't reset itself, you'll need to hold the button for ten seconds.", False),
    ("You should have been sent a reminder earlier, I'm sorry it didn't arrive.", False),
    ("You should have got a text before the engineer set off.", False),
    ("Which day you pick is down to you.", False),
    ("Everyone says it's a lovely spot for a caravan.", False),
])
def test_english_reproaches_as_the_asr_writes_them(english, text, rude):  # noqa: F811
    assert forbidden(english, "en", text) is rude


@pytest.mark.parametrize(("text", "rude"), [
    ("Ну а мы тут, причем мы за курьеров не отвечаем.", True),     # one word and a comma from ASR
    ("ну это внук подключил читать надо куда нажимаете", True),      # run on, no «было», no «же»
    ("Вы же сами отказались от страховки.", True),
    ("Сами выбрали самовывоз, а теперь звоните.", True),
    ("Я вам что, справочная?", True),
    ("ну мы вам что склад", True),
    ("Я точно говорил же, в понедельник.", True),
    ("Ну а что вы хотели, мужчина, это же зима.", True),
    ("Надо было не выбрасывать коробку.", True),
    ("Вас же администратор предупреждал.", True),
    ("Там всё сказано, если внимательнее читать.", True),
    ("Надо было стекло отдельно заказывать.", True),
    ("Мы проверили, причём дважды.", False),
    ("Вы сами оформляли заказ?", False),
    ("Я вам что скажу: лучше подождать до среды.", False),
    ("Я вам что могу предложить: перенос на пятницу.", False),
    ("А что вы хотели уточнить?", False),
    ("Нам надо было вам позвонить заранее, извините.", False),
    ("Если внимательно посмотреть договор, там есть пункт о переносе.", False),
])
def test_russian_reproaches_as_the_asr_writes_them(russian, text, rude):
    assert forbidden(russian, "ru", text) is rude


def test_a_polite_line_that_only_ties_with_a_rude_example_is_no_failure(english):  # noqa: F811
    # e5 puts this reassurance just past the threshold and a hair nearer a rude example than a
    # courteous one; only a clear margin makes a failure by meaning
    assert judged(english, WORRY, "No need to panic at all.", "no_rude_language")["verdict"] == "met"


def test_without_the_margin_the_same_line_would_brand_the_agent_rude(english, monkeypatch):  # noqa: F811
    monkeypatch.setattr(semantic, "MIN_MARGIN_FOR_FAILURE", 0.0)
    assert judged(english, WORRY, "No need to panic at all.", "no_rude_language")["verdict"] == "not_met"
