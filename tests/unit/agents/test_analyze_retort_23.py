"""Session 23: an agent's reply judged with the caller's turn it answers (agents/analyze/retort.py),
and the pair wired as evidence of a `no_rude_language` failure. Each rude pair has a courteous
near-twin (the same reply to another turn, or a softened reply) that must stay clean. The lines are
written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.retort import retort
from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted


def judged(prompt: str, reply: str) -> str | None:
    """The reply's first sentence judged as the answer to `prompt` (the whole turn given too)."""
    first = reply.split(". ")[0] if ". " in reply else reply
    first = first if first == reply or first.endswith((".", "?", "!")) else first + "."
    return retort(prompt, first, reply)


@pytest.mark.parametrize(("prompt", "rude", "courteous"), [
    # a curt not-knowing after a question / a plain or softened one, or not a question
    ("When will the plumber turn up?", "No idea, they sort their own rounds.",
     "No idea yet, I'm afraid, but I'll ring the depot and call you back."),
    ("What time is the engineer coming?", "Dunno, whenever he's free.", "I don't know yet, he sets his own rounds."),
    ("So when can I expect the refund?", "I don't keep the finance team's diary.",
     "I don't have the finance team's diary, sorry, let me ask them."),
    ("А когда перезвонят?", "Понятия не имею, как освободятся.", "Пока не знаю, сейчас уточню у мастера."),
    ("А когда мастер приедет?", "А я откуда знаю, когда он освободится.", "Не знаю точно, он сам составляет график."),
    # the caller's manner told off / a reassurance that looks alike
    ("This is a disgrace, you've cut me off twice!", "There's no need to shout at me.",
     "There's no need to apologise at all."),
    ("Да вы издеваетесь! Третий раз звоню!", "Женщина, не кричите на меня.", "Не переживайте, сейчас всё решим."),
    # the choice put back to the caller
    ("I'll just take my business elsewhere then.", "Up to you.", "I'm sorry to hear that."),
    ("Ладно, пойду тогда в другой сервис.", "Как хотите.", "Очень жаль, но понимаю вас."),
    # a counter-question that asks nothing / one that asks
    ("The parcel was left in the rain and it's soaked.", "And?", "And the box, is it damaged too?"),
    ("Посылку оставили под дождём, всё промокло.", "И что?", "И коробка тоже повреждена?"),
    # the complaint asked back / an offer
    ("Your van has blocked my drive all morning!", "So what do you want me to do about it?",
     "What can I do for you right now, shall I call the driver?"),
    ("Курьер опять не приехал!", "Ну а я что сделаю?", "Давайте посмотрим, что я могу для вас сделать."),
    # a protest waved down / the same words after thanks, or agreeing
    ("I did send the form back, twice!", "Okay, okay, it's on the system now.", "Okay, let me look at the system now."),
    ("I've never missed a payment!", "Well, the system says otherwise.", "Well, the system agrees with you there."),
    ("Да я его вообще не ронял!", "Ну да, конечно, он сам упал.", "Да, конечно, сейчас оформлю обмен."),
    # a question met with impatience / the courteous reminder
    ("А во сколько мастер придёт?", "Я же вам сказала — с десяти до двух.", "Как я уже говорила, с десяти до двух."),
    ("Сколько ещё ждать?", "Как будет, так будет.", "Как будет готово, сразу позвоним."),
    # the caller's charge thrown back / denied with an apology
    ("Are you calling me a cheat?", "I'm not calling you anything, I'm reading the screen.",
     "I'm not saying that at all, sorry if it came across that way."),
])
def test_a_rude_reply_and_its_courteous_twin(prompt, rude, courteous):
    assert judged(prompt, rude)
    assert not judged(prompt, courteous)


@pytest.mark.parametrize(("prompt", "reply"), [
    # the same words are a fair answer to another turn
    ("Should I keep paying the old tariff in the meantime?", "Up to you."),   # asked: the choice is theirs
    ("Could the rash be from the new shampoo?", "I don't know, to be honest."),   # a plain not-knowing
    ("Что мне выбрать, доставку или самовывоз?", "Как хотите."),
    ("So what happens next with my claim?", "And then the assessor rings you."),
    ("", "Up to you."),   # nothing from the caller to answer: not judged as a reply
    ("Спасибо вам огромное!", "Да-да, не за что, обращайтесь."),   # thanks exclaimed: no protest
    ("Thank you so much!", "Okay, okay, glad it's sorted."),
])
def test_the_same_words_as_a_fair_answer_stay_clean(prompt, reply):
    assert not judged(prompt, reply)


OPENING = [(0.0, 5.0, "agent", "Hello, Greenfield Broadband, <PERSON> speaking. Just so you know, this call is recorded."),
           (5.5, 10.0, "client", "Hi, my internet has been dropping out every evening since Monday.")]


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def test_a_retort_to_the_callers_question_fails_no_rude_language_with_its_quote(english):
    call = OPENING + [(10.5, 14.0, "agent", "Right, an engineer will come out to check the line."),
                      (14.5, 17.0, "client", "Okay, and when is he coming?"),
                      (17.5, 21.0, "agent", "No idea, he does his own rounds. Anything else?")]
    rude = by_id(analyze_with_rules(redacted(call), english), "no_rude_language")
    assert rude["verdict"] == "not_met"
    assert rude["evidence"] == [{"quote": "No idea, he does his own rounds.", "segment": 4, "start": 17.5}]


def test_a_softened_answer_to_the_same_question_stays_met(english):
    call = OPENING + [(10.5, 14.0, "agent", "Right, an engineer will come out to check the line."),
                      (14.5, 17.0, "client", "Okay, and when is he coming?"),
                      (17.5, 21.0, "agent", "No idea yet, I'm afraid, but I'll ring you as soon as it's booked.")]
    assert by_id(analyze_with_rules(redacted(call), english), "no_rude_language")["verdict"] == "met"


def test_a_short_reply_counts_only_when_every_word_was_heard_surely():
    from agents.analyze.embeddings import Sentence
    from agents.analyze.semantic import heard_as_a_reply
    from agents.analyze.transcript import Turn

    turn = Turn(3, 10.0, 11.0, "agent", "Whatever suits.")
    assert heard_as_a_reply(Sentence(0, turn, "Whatever suits.", heard=None))   # a script: no ASR doubt
    assert heard_as_a_reply(Sentence(0, turn, "Whatever suits.", heard=1.0))
    assert not heard_as_a_reply(Sentence(0, turn, "Whatever suits.", heard=0.5))   # one word misheard
    assert not heard_as_a_reply(Sentence(0, turn, "Whatever.", heard=1.0))   # one word: too little to judge
    assert not heard_as_a_reply(Sentence(0, turn, "No idea, he does his rounds.", heard=0.6))
