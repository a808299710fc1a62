"""The caller's "when?" left open (session 15, h-resol15; agents/analyze/asked_when.py): once the
caller asks when the step happens, the agent's reply must name a concrete when (or plainly confirm
the caller's own) with no vague one, else the step is no next step. Pure functions first, then the
real e5 model and the built-in support-en scorecard. The lines are written for these tests, none is
from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.asked_when import answers_when, left_open, reply_to
from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import Turn

from test_analyze_rules import by_id, redacted


def turn(index: int, text: str) -> Turn:
    return Turn(index, float(index), index + 0.9, "agent" if index % 2 == 0 else "client", text)


ROLES = {i: ("agent" if i % 2 == 0 else "client") for i in range(10)}


def has(word: str):
    return lambda text: word in text.lower()


def test_the_reply_is_the_agents_turns_up_to_the_callers_next():
    turns = [turn(0, "a"), turn(1, "when?"), turn(2, "b"), turn(3, "c")]
    roles = {0: "agent", 1: "client", 2: "agent", 3: "client"}
    assert [t.index for t in reply_to(turns[1], turns, roles)] == [2]


@pytest.mark.parametrize("reply, question, answered", [
    ("On the ninth, by lunchtime.", "When does it come?", True),
    ("Yes, it will.", "Will it be here by friday?", True),        # a yes to the caller's own when
    ("Yes, I've noted it.", "When will I hear?", False),           # a yes to no when
    ("By friday, as soon as they can.", "When will I hear?", False),  # a vague when beside it
])
def test_a_reply_answers_when_with_a_concrete_when_and_no_vague_one(reply, question, answered):
    named = lambda text: any(w in text.lower() for w in ("ninth", "friday", "lunchtime"))
    assert answers_when(reply, question, "en", named, has("as soon as"), has("can't say")) is answered


def test_no_question_or_no_reply_leaves_nothing_open():
    turns = [turn(0, "I've booked it."), turn(1, "Thanks.")]
    assert left_open(turns, ROLES, "en", has("when"), has("monday"), has("soon"), has("x")) is None
    turns = [turn(0, "I've booked it."), turn(1, "When is it?")]
    assert left_open(turns, ROLES, "en", has("when"), has("monday"), has("soon"), has("x")) is None


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def resolution(scorecard, agent_step: str, caller_asks: str, agent_reply: str) -> dict:
    call = [(0.0, 4.0, "agent", "Hello, Brightwater Plumbing, Jo speaking, calls are recorded."),
            (4.5, 9.0, "client", "The radiator in the hall has sprung a leak."),
            (9.5, 14.0, "agent", agent_step),
            (14.5, 17.0, "client", caller_asks),
            (17.5, 21.0, "agent", agent_reply),
            (21.5, 23.0, "client", "Right, okay then.")]
    return by_id(analyze_with_rules(redacted(call), scorecard), "resolution")


@pytest.mark.parametrize("caller_asks, agent_reply", [
    ("And when am I likely to hear from them?", "Honestly that varies, it's down to how much they've got on."),
    ("So they'll ring tonight then?", "Hopefully, they've got a lot on."),
    ("Any idea what time?", "They'll be in touch as soon as somebody's free."),
])
def test_a_step_whose_when_the_caller_asks_and_is_not_told_is_no_next_step(english, caller_asks, agent_reply):
    step = "I've put the job through to our engineers."
    assert resolution(english, step, "Okay, thanks.", "You're welcome.")["verdict"] == "met"  # the step alone
    verdict = resolution(english, step, caller_asks, agent_reply)
    assert verdict["verdict"] == "not_met" and verdict["evidence"][0]["quote"] == agent_reply


@pytest.mark.parametrize("caller_asks, agent_reply", [
    ("And when will somebody come?", "An engineer is booked for Wednesday between one and five."),
    ("Will they ring me tonight?", "Yes, they will, before eight."),
    ("How long will it take?", "It'll be fixed within two working days."),
])
def test_a_step_whose_when_the_caller_asks_and_is_told_stands(english, caller_asks, agent_reply):
    verdict = resolution(english, "I've booked an engineer to come out on Wednesday afternoon.", caller_asks, agent_reply)
    assert verdict["verdict"] == "met"


@pytest.mark.parametrize("line, counts", [
    ("She'll bring the parcel over between nine and eleven tomorrow.", True),    # actor, action, concrete when
    ("So I'll activate the new line right now for you.", True),
    ("Mains water should be back on by half past four.", True),
    ("Your statement is on its way by post within three working days.", True),
    ("We'll squeeze you in some time next week.", False),                        # a point somewhere in a span
    ("It'll probably go out on Monday.", False),                                # a guess, not a commitment
    ("You'll be billed on the fifteenth.", False),                               # a charge is no step
    ("The fee will go up from the first of April.", False),                      # nor a rise
    ("I'll just check that with my supervisor in a minute.", False),             # the call itself, no when
])
def test_who_does_what_next_with_a_concrete_when_is_a_step(english, line, counts):
    from agents.analyze.semantic import first_quote
    resolution = english.criterion("resolution")
    assert (first_quote(resolution.rules["en"], line, resolution.reject_if["en"]) is not None) is counts


def test_a_vague_when_after_the_step_takes_it_back(english):
    call = [(0.0, 4.0, "agent", "Hello, Brightwater Plumbing, Jo speaking, calls are recorded."),
            (4.5, 9.0, "client", "The radiator in the hall has sprung a leak."),
            (9.5, 14.0, "agent", "I've put the job through to our engineers. One of them will pop round at some stage this week."),
            (14.5, 17.0, "client", "Right, okay then.")]
    assert by_id(analyze_with_rules(redacted(call), english), "resolution")["verdict"] == "not_met"


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


@pytest.mark.parametrize("caller_asks, agent_reply, verdict", [
    ("А к пятнице починят?", "Это уж как у мастеров выйдет, по-разному бывает.", "not_met"),
    ("И долго ждать? Неделю, две?", "Зависит от склада, я не подскажу.", "not_met"),
    ("А когда мастер придёт?", "В среду с девяти до часу.", "met"),
])
def test_russian_callers_question_of_when_must_be_answered(russian, caller_asks, agent_reply, verdict):
    from agents.analyze.semantic import any_alternative_matches
    resolution = russian.criterion("resolution")
    assert any_alternative_matches(resolution.when_asked["ru"], caller_asks)
    call = [(0.0, 4.0, "agent", "Добрый день, сервис «Тёплый дом», меня зовут <PERSON>. Разговор записывается."),
            (4.5, 9.0, "client", "У меня батарея в комнате течёт."),
            (9.5, 14.0, "agent", "Я оформила заявку на ремонт."),
            (14.5, 17.0, "client", caller_asks),
            (17.5, 21.0, "agent", agent_reply),
            (21.5, 23.0, "client", "Ну ладно.")]
    assert by_id(analyze_with_rules(redacted(call, "ru"), russian), "resolution")["verdict"] == verdict


def test_a_step_that_names_its_own_when_stands_whatever_the_caller_asks_next(english):
    # the caller's later "when?" is about something else (a when that belongs to another matter)
    verdict = resolution(english, "I've booked the plumber for Thursday between ten and two.",
                         "And what time does your showroom shut on Saturdays?", "I'm not sure, you'd have to ask them.")
    assert verdict["verdict"] == "met"


@pytest.mark.parametrize("question, asks", [
    ("So the van comes this afternoon?", True),
    ("And is there a discount for tomorrow?", False),   # asks what, not when
])
def test_a_question_naming_a_time_asks_when_unless_the_time_is_what_it_is_for(english, question, asks):
    from agents.analyze.semantic import any_alternative_matches
    assert any_alternative_matches(english.criterion("resolution").when_asked["en"], question) is asks


@pytest.mark.parametrize("text, named", [
    ("Подъедет около трёх.", True),
    ("Сбор будет около трёх тысяч.", False),   # a sum, not a clock time
])
def test_a_russian_number_naming_a_sum_is_no_when(russian, text, named):
    from agents.analyze.semantic import any_alternative_matches
    assert any_alternative_matches(russian.criterion("resolution").when_named["ru"], text) is named
