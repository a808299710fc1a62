"""Russian resolution by the shape of the step (session 20, h-resol20; support-ru 13): a booking or
an act of the agent's with its date in the same or the next sentence of the turn, an act reported
done by its short participle, a payment gone through with the sum between, a date said as an
ordinal («двадцать пятого») or a clock time («одиннадцать тридцать»), an arrival «будет у вас» with
its when. Each dated step has a near twin that stays no step: the date in a question, the verb
negated, a guess («наверное»), the act only described as the past. The lines are written for these
tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.semantic import first_quote


@pytest.fixture(scope="module")
def resolution(builtin_catalog):
    criterion = builtin_catalog.scorecard("support-ru").criterion("resolution")
    return criterion.rules["ru"], criterion.reject_if["ru"]


def step(resolution, line: str) -> str | None:
    rules, rejects = resolution
    return first_quote(rules, line, rejects)


@pytest.mark.parametrize("line", [
    "Хорошо, записала. Среда, девятое число, с утра, к окулисту.",
    "Так, на пятницу к двум свободно, ставлю вас.",
    "Монтаж переношу на двадцать шестое, бригада будет с восьми.",
    "Всё, перерасчёт оформлен.",
    "Бонусы уже зачислены на вашу карту.",
    "Хорошо, оплата в три тысячи прошла.",
    "Курьер будет у вас через сорок минут, он наберёт перед выходом.",
    "Сертификат будет готов, подписанный, тридцатого, можно забирать после обеда.",
    "Мы вам перезвоним восемнадцатого и скажем, что решили.",
    "Деньги уйдут сегодня, к вечеру будут у вас.",
    "Ну всё, оформлено.",
    "Проценты переведены на вашу карту, можете проверить.",
    "Юрист подготовит ответ и отправит его вам до четверга.",
    "Часов пять, после процедуры, я вам сама перезвоню.",
    "Хорошо, на 14:30 в субботу ставлю.",
])
def test_a_dated_or_done_step_is_met(resolution, line):
    assert step(resolution, line)


@pytest.mark.parametrize("line", [
    "Записала ваш адрес. А вам удобно в среду?",        # the date only in a question
    "Перерасчёт оформлен?",                              # a question
    "Перерасчёт был оформлен ещё в марте.",             # the past told, nothing done now
    "Оплата у вас почему-то не прошла.",                # a failure, not a payment
    "Завтра курьер к вам не приедет, машина сломалась.",  # a negated step
    "Я вам перезвоню, наверное, в четверг.",             # a guess
    "Мы с вами свяжемся.",                               # someone will call, no when
    "Перевод сделали, новых дат пока нет.",             # no date to plan by
    "Зайдите с первого этажа, там окно выдачи.",         # an ordinal that is no date
    "Подскажите, на кого оформлен договор.",             # a question without its mark, as ASR writes it
    "Юрист подготовит ответ и вам напишет.",              # another's step with no when
    "Привязала.",                                        # a detail linked, no outcome or step
    "Продиктуйте телефон, на который оформлен договор",   # a relative clause describes, reports nothing done
])
def test_its_vague_or_negated_twin_is_not(resolution, line):
    assert step(resolution, line) is None
