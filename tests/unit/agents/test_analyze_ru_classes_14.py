"""Empathy classes from session 12's batch (h-empres14; real e5 model, built-in support-ru): a sigh
of sympathy that goes on to the caller's circumstance is acknowledgement, however short the
classifier finds it; condolences are too; a sigh before procedure or a question is not.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest


from test_analyze_criteria_classes import judged

PROBLEM = "Я очень переживаю: у отца в больнице, а вам свет у него отключили, я места себе не нахожу."


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


@pytest.mark.parametrize("line", [
    "Ох, с папой в больнице вам сейчас совсем не до счетов.",
    "Да уж, и без того тяжело, а тут ещё свет.",
    "Примите наши соболезнования, сейчас всё оформим.",
])
def test_a_sigh_of_sympathy_about_the_callers_circumstance_is_acknowledgement(russian, line):
    assert judged(russian, PROBLEM, line, "empathy", "ru")["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "Ой, секундочку, сейчас открою лицевой счёт.",
    "Ох, ну давайте тогда номер договора.",
    "Ой, а на кого оформлен договор?",
])
def test_a_sigh_before_procedure_or_a_question_is_not(russian, line):
    assert judged(russian, PROBLEM, line, "empathy", "ru")["verdict"] == "not_met"
