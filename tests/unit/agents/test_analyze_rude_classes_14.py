"""Rudeness classes added in session 14 (built-in scorecards, rules only): the caller pointed back to a
paper they had as a reproach, the mistake put on what the caller said, "I did warn you", mockery of
the caller's plight ("that's X-ing for you"); in Russian the document held against the client,
impatience counted out loud, "это же элементарно", "надо было ... заранее" and "не ко мне" unless the
agent passes the question on. Each class has courteous lines that look alike and must stay clean.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.transcript import rule_search


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


def forbidden(scorecard, language: str, text: str) -> bool:
    rules = scorecard.criterion("no_rude_language").rules[language]
    return any(all(rule_search(p, text) for p in alternative) for alternative in rules)


@pytest.mark.parametrize(("text", "rude"), [
    ("Well it does say in the confirmation email that pets aren't allowed.", True),
    ("the bags have to be tied up like it says", True),
    ("The opening times? It's all on the site, you know.", True),
    ("It's in the contract, to be fair, section two.", True),
    ("So you must have given us the old postcode then.", True),
    ("That'll have been what you typed in, I'm afraid.", False),   # no claim the caller said it
    ("It would have been what you told the driver.", True),
    ("I did warn you the slot might go.", True),
    ("We did send the reminder in March.", True),
    ("Ha, that's flying at Easter for you.", True),
    # courteous lines that look alike
    ("As it says on your letter, the appointment is at ten.", False),
    ("It does say here on the system that it was delivered.", False),
    ("You'll find the opening times on the website.", False),
    ("It's in the email we sent, but I'll read it out for you now.", False),
    ("You must have been worried sick.", False),
    ("You must have had a long day.", False),
    ("We did try to deliver on Monday and left a card.", False),
    ("Right, that's everything booked in for you.", False),
    ("Lovely, that's the booking sorted for you.", False),
])
def test_english_classes_of_session_14(catalog, text, rude):
    assert forbidden(catalog.scorecard("support-en"), "en", text) is rude


@pytest.mark.parametrize(("text", "rude"), [
    ("ну на сайте же всё указано", True),
    ("В памятке ведь написано, что сдавать до пятницы.", True),
    ("Договор для того и подписывают, чтобы его знать.", True),
    ("Я вам пятый раз повторяю: номер на обороте.", True),
    ("Объясняю вам уже в третий раз.", True),
    ("Ну тут же элементарно, нажимаете и всё.", True),
    ("Вам надо было пропуск заранее заказать.", True),
    ("Нужно было продлевать вовремя, теперь только штраф.", True),
    ("Ну это вообще не ко мне.", True),
    ("Слушайте, у меня нет времени выслушивать ваши жалобы.", True),
    ("Мне нет времени разбираться с вашими квитанциями.", True),
    # courteous lines that look alike
    ("У мастера нет времени в пятницу, давайте в понедельник.", False),
    ("Если у вас сейчас нет времени, я перезвоню.", False),
    ("На сайте указано расписание, могу продиктовать.", False),
    ("Повторю ещё раз, чтобы вы записали.", False),
    ("Нам нужно было предупредить вас заранее, извините.", False),
    ("Мы должны были позвонить вовремя, это наша ошибка.", False),
    ("Это не ко мне, но я сейчас переключу вас на бухгалтерию.", False),
    ("Этот вопрос не ко мне, я передам его юристу.", False),
])
def test_russian_classes_of_session_14(catalog, text, rude):
    assert forbidden(catalog.scorecard("support-ru"), "ru", text) is rude
