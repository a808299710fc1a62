"""Russian reproach shapes added in session 20 (agents/analyze/reproach_ru.py): the caller talked
down to («Мужчина, ну это же очевидно», «вы же взрослый человек»), impatience at repeating oneself
(«я вам уже пятый раз говорю»), an ultimatum «... или нет?», and the caller's loss made light of
(«да это копейки»). Each rude line has a courteous near-twin that must stay clean. The lines are
written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

from agents.analyze.reproach_ru import reproaches

RUDE = [
    "Мужчина, ну это же очевидно.",                        # talked down to
    "Ну, папаша, сроки у всех такие.",
    "Женщина, не перебивайте меня.",
    "Вы же взрослый человек, должны понимать.",
    "Я вам уже пятый раз говорю, доставка в среду.",       # impatience at repeating
    "Я же вам русским языком объясняю: мест нет.",
    "Вы оформлять будете или нет?",                         # an ultimatum
    "Вам скидка нужна или нет?",
    "Да это копейки, из-за чего шум.",                      # the loss made light of
    "Ну, это ерунда, всего-то сорок рублей.",
]
POLITE = [
    "Девушка, подождите минутку, пожалуйста.",             # a vocative with «пожалуйста»
    "Мамочка, не переживайте, малыш уже спит.",
    "Вы же наш постоянный клиент, поэтому скидка сохраняется.",
    "Как я уже говорила, доставка в среду.",               # referring back
    "Повторю ещё раз для записи: доставка в среду.",
    "Уточните, пожалуйста, вам удобно в среду или нет?",   # with «пожалуйста»
    "Подскажите, посылка пришла или ещё нет, проверю по номеру.",
    "Сумма небольшая, но я её уже вернула на карту.",
    "Это мелочь, но я её сейчас же исправлю.",             # the agent acts on it
]


def test_rude_lines_reproach():
    found = reproaches(RUDE)
    assert all(found), [line for line, why in zip(RUDE, found) if not why]


def test_courteous_twins_stay_clean():
    found = reproaches(POLITE)
    assert not any(found), [(line, why) for line, why in zip(POLITE, found) if why]
