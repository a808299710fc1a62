"""Russian reproach of the caller found by sentence structure (agents/analyze/reproach_ru.py,
session 16): a missed past duty put on the caller, an imperative that sends the caller off or
lectures them, a scolding question, "everybody knows", insistence by же/ведь, the caller's own
doing, a rule of conduct, the caller's act guessed as the cause; and the courteous lines with the
same grammar that must stay clean (the agent's own duty, what should have reached the caller, a
condition, a polite request, an instruction, reassurance). The lines are written for these tests,
none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach_ru import reproach, reproaches
from agents.analyze.rules import analyze_with_rules
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file


@pytest.mark.parametrize("text", [
    "Вы должны были предупредить нас заранее.",            # the caller's missed past duty
    "Вам следовало сохранить чек.",
    "Надо было вам сначала позвонить в банк.",
    "Не надо было выбрасывать упаковку.",                  # what should not have been done
    "Не звоните сюда больше с этим.",                      # sent off
    "Больше нам не пишите.",
    "Не дёргайте меня, я работаю.",
    "В следующий раз будьте внимательнее.",                 # the caller's conduct next time
    "Впредь читайте, что подписываете.",
    "Проверяйте, что вы покупаете.",                       # watch what you do
    "Вы что, письмо не открывали?",                        # questions that scold
    "Разве вы не видели объявление на сайте?",
    "Вы хоть раз инструкцию открывали?",
    "А вы как думали, всё бесплатно?",                     # an expectation asked back
    "Ну а вы на что рассчитывали?",
    "Это каждый знает.",                                   # the caller as one of everybody
    "Все как-то справляются.",
    "Вы же знали, что тариф платный.",                     # insistence
    "Вы ведь сами соглашались с условиями.",
    "Вам же предлагали доставку, вы сами отказались.",     # the caller's own doing
    "Ну, фильтр менять надо, тогда и вода будет чистая.",  # a rule of conduct
    "Квитанции хранить нужно, это же документ.",
    "Видимо, вы неправильно набрали номер.",               # the caller's act guessed as the cause
    "Ну вы ж не первый раз, небось крышку плотно не закрыли.",
])
def test_reproach_by_structure(text):
    assert reproach(text)


@pytest.mark.parametrize("text", [
    "Я должна уточнить ваш номер договора.",                # the agent's own duty
    "Нам надо было раньше вас предупредить.",
    "Мастер должен был приехать в среду.",                  # a third party's
    "Вы должны были получить СМС с кодом.",                 # what should have reached the caller
    "Вам должно было прийти письмо.",
    "Вам нужно подписать заявление.",                       # a present instruction
    "Вы должны прийти с паспортом.",
    "Оплатить нужно до пятницы.",
    "Ничего делать не нужно, всё уже оформлено.",
    "Если вы не получили письмо, я отправлю ещё раз.",      # a condition
    "Не могли бы вы продиктовать номер?",                   # a polite request
    "Не волнуйтесь, мы всё вернём.",
    "Не кладите трубку, я проверю.",
    "Не забудьте взять с собой паспорт.",
    "Не стесняйтесь звонить нам, если что.",
    "В следующий раз просто позвоните нам, мы поможем.",    # an invitation back
    "Смотрите, что можно сделать.",                         # «смотрите» as a lead-in
    "Смотрите, что вы можете сделать: подать заявление онлайн.",
    "Проверьте, что вы ввели правильный адрес.",            # a one-off step (perfective)
    "А что вы хотели уточнить?",                            # a real question
    "Как вы думаете, вам удобнее утром или вечером?",
    "Многие путают эти тарифы, ничего страшного.",          # many, not everybody: reassurance
    "Так многие делают.",
    "Вы же у нас с прошлого года?",
    "Вы ведь уже оплатили, так что ничего делать не нужно.",
    "Вы сами всё правильно сделали.",                       # praise
    "Вы сами можете выбрать удобное время.",
    "Видимо, мастер не закрепил шланг.",                    # someone else's act guessed
    "Видимо, сбой на нашей стороне, вы ничего не сделали неправильно.",
    "Я вам точно не скажу, это по пробкам смотреть надо.",  # where a matter is looked up
    "Понимаю, вы должны были уже получить деньги.",
    "Диктуйте, я записываю.",
])
def test_courteous_lines_with_the_same_grammar(text):
    assert not reproach(text)


def test_one_batch_gives_what_each_line_gives_alone():
    lines = ["Вы должны были предупредить нас заранее.", "Подождите минутку.", "Вы что, письмо не открывали?",
             "Диктуйте, я записываю."]
    assert [bool(r) for r in reproaches(lines)] == [bool(reproach(line)) for line in lines] == [True, False, True, False]


def _verdict(agent_line: str) -> dict:
    scorecard = load_catalog_file(DEFAULT_PROJECTS_FILE).scorecard("support-ru")
    transcript = {"language": "ru", "segments": [
        {"speaker": "agent", "start": 0.0, "end": 3.0, "text": "Добрый день, сервис «Тёплый дом», Ольга."},
        {"speaker": "client", "start": 3.0, "end": 8.0, "text": "Здравствуйте, у меня котёл опять погас, уже второй раз за неделю."},
        {"speaker": "agent", "start": 8.0, "end": 13.0, "text": agent_line},
        {"speaker": "client", "start": 13.0, "end": 15.0, "text": "Понятно."},
    ]}
    return next(v for v in analyze_with_rules(transcript, scorecard)["criteria"] if v["id"] == "no_rude_language")


def test_the_russian_scorecard_fails_a_reproach_it_has_no_rule_for():
    verdict = _verdict("Вы должны были сами вызвать мастера на осмотр осенью.")
    assert verdict["verdict"] == "not_met"
    assert "осмотр" in verdict["evidence"][0]["quote"]


def test_the_russian_scorecard_keeps_an_instruction_courteous():
    assert _verdict("Вам нужно будет открыть дверь мастеру в среду утром.")["verdict"] == "met"
