"""Russian reproach shapes added in session 18 (agents/analyze/reproach_ru.py): the matter pushed
off the agent («а я что сделаю», «не я это решаю»), the agent's limits insisted on by же/ж, the fault
named as the caller's even beside an «извините», the caller (or callers in general) as the ones
who did it themselves, and a habit lectured with a retort «ну». Each rude line has a courteous
near-twin that must stay clean. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach_ru import reproaches

RUDE = [
    "Ну а я что тут сделаю?",                               # the matter pushed off the agent
    "Я-то что сделаю, я склад не вожу.",
    "Цены не я назначаю.",
    "Мы ж не телепаты.",                                    # the agent's limits insisted on
    "Я же не обязана это помнить.",
    "Это ваша ошибка, извините.",                           # the fault owned by the caller
    "Это уже ваша ответственность.",
    "Это вы сами галочку поставили.",                       # the caller's own doing
    "Обычно это покупатели сами коробку роняют.",           # callers in general did it themselves
    "Ну так чек надо сразу проверять.",                     # a habit lectured with «ну»
    "Ну вообще, такие вещи же надо заранее читать.",
]
POLITE = [
    "Что я могу для вас сделать?",                          # an offer of help
    "Чем ещё я могу вам помочь?",
    "Цены назначает не отдел продаж, а поставщик, я уточню у них.",
    "Это решаю не я, а старший смены, я сейчас передам.",   # who decides, passed on
    "Я же не могу оставить вас без связи, сейчас подключим.",   # a promise, not a jibe
    "Мы решим вашу проблему сегодня.",                      # the caller's problem acted on
    "Вы можете сами выбрать удобное время.",                # the caller's choice, offered
    "Вы сами всё правильно сделали, спасибо.",              # praise
    "Ну, тут надо ждать ответа банка.",                     # news about waiting
    "Ну вот, теперь нужно подписать договор.",              # a step, in the perfective
    "Ну, вам нужно будет приходить к девяти.",              # an instruction naming whom for
]


@pytest.mark.parametrize("text", RUDE)
def test_rude_line_is_a_reproach(text):
    assert reproaches([text])[0], text


@pytest.mark.parametrize("text", POLITE)
def test_courteous_twin_is_not(text):
    assert reproaches([text])[0] is None, text
