"""Russian resolution classes from session 11's batch (h-empres13; real e5 model, built-in support-ru):
a question or a promise to try commits to nothing, a step hung on an event nobody dates is none, and a
when is found as the ASR writes it (a clock time, a slot of hours, a date) on either side of the verb.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest


from test_analyze_ru_classes_11 import judged

PROBLEM = ("client", "У меня стиральная машина опять течёт, уже весь пол в воде, я в отчаянии.")


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


@pytest.mark.parametrize("line", [
    "Записать вас на ремонт?",
    "Хотите, мастер к вам заедет?",
    "Постараемся прислать кого-нибудь на этой неделе.",
    "Запчасть ждём, как приедет, так сразу и починим.",
])
def test_a_question_a_try_or_an_undated_event_is_no_next_step(russian, line):
    assert judged(russian, [PROBLEM, ("agent", line)], "resolution")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "Мастер будет у вас в четверг с 9 до 13.",
    "Часов в пять я сама вам перезвоню и скажу, что с запчастью.",
    "Завтра после двух уже можно забирать машинку.",
    "Приезжаем в среду, к десяти, мастер наберёт заранее.",
    "Оформлю выезд на пятницу, хорошо?",
])
def test_a_when_as_the_asr_writes_it_makes_a_next_step(russian, line):
    assert judged(russian, [PROBLEM, ("agent", line)], "resolution")["verdict"] == "met"


def test_a_step_taken_back_with_no_date_is_no_next_step(russian):
    lines = [PROBLEM, ("agent", "Заявку на мастера я оформила."), ("client", "А когда придёт?"),
             ("agent", "Этого я не скажу, у них свой график.")]
    assert judged(russian, lines, "resolution")["verdict"] == "not_met"


@pytest.mark.parametrize("line", ["Ох, ещё и под дождём с детьми. Да, обидно.", "Ну конечно, досадно!"])
def test_a_short_acknowledgement_on_its_own_counts_by_its_words(russian, line):
    assert judged(russian, [PROBLEM, ("agent", line)], "empathy")["verdict"] == "met"
