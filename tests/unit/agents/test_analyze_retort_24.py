"""Session 24: rude by what the agent says about the caller's situation (agents/analyze/retort.py
said_of_the_situation): a loss made light of, the caller talked down to, their matter disowned,
blame put as a question or a moral, mock praise or sympathy, a threat or impatience at repeating.
Each rude line has a courteous near-twin that must stay clean. The lines are written for these
tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.retort import retort, said_of_the_situation
from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted


def judged(prompt: str, sentence: str, turn: str | None = None, reaction: str = "") -> str | None:
    return retort(prompt, sentence, turn or sentence, reaction)


@pytest.mark.parametrize(("prompt", "rude", "courteous"), [
    # a loss made light of / the same shrug with an apology or an offer in the turn
    ("The ferry was cancelled and I missed my sister's wedding!", "Ferries get cancelled, these things happen.",
     "These things do happen, and I'm so sorry it was today of all days."),
    ("My son waited at the gate for an hour, he was so upset.", "It's only an hour, he'll be fine.",
     "It's only an hour on the record, but let me refund the whole session."),
    ("Дрова так и не привезли! Я весь день прождал!", "Ну, машина сломалась, бывает.",
     "Бывает, к сожалению, давайте я перенесу доставку на завтра."),
    ("Мне из-за вас отпуск на день сдвинули!", "Подумаешь, один день.", "Понимаю, один день — это тоже обидно."),
    # talked down to / an explanation offered kindly
    ("So do I pay the deposit or not?", "Let me explain this slowly.", "Let me explain how the deposit works."),
    ("Я не понимаю, куда вводить код.", "Объясняю для вас ещё раз.", "Давайте я покажу, куда вводить код."),
    ("Where do I put the meter reading?", "It's really not complicated.", "It's not complicated, I'm happy to walk you through it."),
    # the caller's matter disowned / the right place named kindly
    ("The bank says you took the money twice.", "That's between you and your bank.",
     "I'm sorry, the bank can see more than I can, but I'll send you our statement."),
    ("Брат продал машину без меня, а страховка на мне!", "Это уже ваши семейные дела.",
     "Сочувствую, давайте посмотрим, что можно сделать со страховкой."),
    # blame as a question or a moral / a question that asks
    ("I left the key in the locker and now it's gone.", "And whose fault is that?", "And which locker was it?"),
    ("I didn't see the email about the change.", "Maybe read your emails next time.",
     "Maybe next time we'll text as well as email."),
    ("Я не успела оплатить вовремя.", "А кто вам виноват?", "А когда вам будет удобно оплатить?"),
    ("Я квитанцию выбросила, думала, не нужна.", "Надо было раньше думать.", "Ничего, найдём платёж по номеру."),
    # mock praise or sympathy / praise that is praise
    ("I didn't read the terms before I signed.", "Well done.", "Well done for ringing us straight away."),
    ("My holiday photos didn't upload, I've lost the lot.", "Oh, what a tragedy.", "Oh no, I'm so sorry."),
    ("Я не проверила размер и заказала не тот.", "Ну молодцы.", "Вы молодец, что сразу позвонили."),
    # a threat or impatience / a calm step
    ("This is a joke, you people are useless!", "Keep that tone and I'll hang up.",
     "I'll stay on the line until it's sorted."),
    ("Так когда мастер придёт, ещё раз?", "Я второй раз повторять не буду.", "Повторю: мастер придёт в четверг."),
])
def test_a_rude_line_and_its_courteous_twin(prompt, rude, courteous):
    assert judged(prompt, rude)
    assert not judged(prompt, courteous)


@pytest.mark.parametrize(("prompt", "reply"), [
    # consoling the caller's own slip
    ("Sorry, I completely forgot to update my card.", "Happens all the time."),
    ("Извините, я перепутала даты.", "Да бывает, ничего."),
    # the caller cleared of blame in the same turn
    ("The dog chewed the lead and I'm so upset!", "It's not like you did it on purpose, these things happen."),
    ("Я ключ сломала в замке, ужас!", "Бывает, вы не виноваты, замки старые."),
    # «бывает» explaining, not shrugging
    ("А так часто бывает?", "Бывает, что после первой прививки температура."),
    # a redirect in answer to a question
    ("А перерасчёт за отопление вы делаете?", "Это не к нам."),
    # a shrug with no upset before or after it
    ("Улица Садовая, дом три.", "Ну, мастер задержался, так бывает."),
    # "next time" in an arrangement, not a moral
    ("Can I get the refund in cash?", "Just tell the desk next time you're in and they'll pay it out."),
    # something that does happen on its own
    ("Why did the router restart overnight?", "It doesn't restart on its own unless there's an update, so let me check."),
    # praise after good news
    ("I've passed my driving test!", "Well done."),
])
def test_courteous_lines_that_look_alike_stay_clean(prompt, reply):
    assert not judged(prompt, reply)


def test_a_shrug_the_caller_throws_back_counts():
    # no upset before it, but the caller's next turn throws the word back in protest
    shrug = "Ну, снег был мокрый, такое бывает."
    assert said_of_the_situation("Улица Лесная, дом пять.", shrug, shrug, "Бывает?! Я за крышу столько заплатил!")
    assert not said_of_the_situation("Улица Лесная, дом пять.", shrug, shrug, "Понятно. А когда приедут?")


def test_a_shrug_counts_when_the_caller_was_upset_earlier_in_the_call():
    shrug = "Well, couriers get lost, that's life."
    upset = "I've been waiting in all day and I'm really stressed about it."
    assert said_of_the_situation("It's the flat above the bakery.", shrug, shrug, "", upset)
    assert not said_of_the_situation("It's the flat above the bakery.", shrug, shrug, "", "I'd like to check an order.")


def test_the_callers_upset_put_as_an_overreaction():
    assert judged("Вы мне праздник сорвали!", "Ну не нагнетайте вы так.")
    assert not judged("Вы мне праздник сорвали!", "Не переживайте, сейчас всё исправим.")


@pytest.mark.parametrize(("prompt", "rude", "courteous"), [
    # whether the caller even did it / a question that asks after them
    ("Газон весь пожелтел!", "А вы его поливали вообще?", "А вы-то сами как, не расстроились сильно?"),
    ("Я счёт оплатила, а долг висит!", "Вы письма-то вообще открываете?", "Вы письмо от нас получали?"),
    # honesty doubted / a document asked for
    ("Я заболела, хочу вернуть билет.", "Справка-то настоящая?", "Справка от врача у вас есть?"),
    # a lecture for next time / an offer for next time
    ("Привезли не тот цвет.", "В следующий раз смотрите, что заказываете.",
     "В следующий раз звоните сразу, мы заменим."),
    # mock sympathy for the effort / sympathy
    ("Я фильтр не менял с весны.", "Ну да, это ж так сложно, раз в полгода открыть крышку.",
     "Ничего, мастер заменит его на месте."),
    # a shrug at the trouble / the same job the agent takes on
    ("Стену не там просверлили!", "Замажете сами, там делов на пять минут.",
     "Мастер приедет и заделает, это быстро."),
    # talked down to / a check of what was said
    ("Почта ivan, и-вэ-а-эн.", "Да не надо по буквам, я не глухой.", "Да, записал, спасибо."),
    ("So I pay full price now?", "You pay the full price, same as everyone else.",
     "You pay the full price for now, and I'll refund the difference."),
])
def test_more_russian_shapes_and_their_twins(prompt, rude, courteous):
    assert judged(prompt, rude)
    assert not judged(prompt, courteous)


def test_the_fault_hinted_as_the_callers():
    assert judged("Here's my postcode.", "Screens don't crack on their own, do they?")
    assert judged("It arrived like that.", "Kettles don't break by themselves.")


OPENING = [(0.0, 5.0, "agent", "Hello, Greenfield Broadband, <PERSON> speaking. Just so you know, this call is recorded."),
           (5.5, 10.0, "client", "Hi, my internet was down all weekend and I missed an exam online!")]


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def test_a_loss_made_light_of_fails_no_rude_language_with_its_quote(english):
    call = OPENING + [(10.5, 14.0, "agent", "Right. Networks go down, that's life."),
                      (14.5, 17.0, "client", "Okay. Can you check the line now?"),
                      (17.5, 21.0, "agent", "Yes, the engineer will test it this afternoon.")]
    rude = by_id(analyze_with_rules(redacted(call), english), "no_rude_language")
    assert rude["verdict"] == "not_met"
    assert {"quote": "Networks go down, that's life.", "segment": 2, "start": 10.5} in rude["evidence"]


def test_the_same_shrug_with_an_apology_stays_met(english):
    call = OPENING + [(10.5, 14.0, "agent", "I'm so sorry. Networks do go down, but that's no comfort before an exam."),
                      (14.5, 17.0, "client", "Okay. Can you check the line now?"),
                      (17.5, 21.0, "agent", "Yes, the engineer will test it this afternoon.")]
    assert by_id(analyze_with_rules(redacted(call), english), "no_rude_language")["verdict"] == "met"
