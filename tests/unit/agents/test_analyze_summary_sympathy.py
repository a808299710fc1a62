"""Summaries that quote what was done, not the agent's sympathy; Russian actions and commitments by
their wording; a case reference kept with the action it belongs to (agents/analyze/summary_cues.py,
summary_joins.py, summary.py). Real e5 model; every line is written for these tests, none is from
the evaluation set."""
from __future__ import annotations

from agents.analyze import summary_cues
from agents.analyze.embeddings import CallText
from agents.analyze.summary import MAX_SUMMARY_CHARS, template_summary
from agents.analyze.transcript import Turn


def call(turns: list[tuple[str, str]]) -> CallText:
    return CallText([Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)])


def summary(turns: list[tuple[str, str]], language: str) -> str:
    text = template_summary(call(turns), language)
    assert len(text) <= MAX_SUMMARY_CHARS
    return text


def test_sympathy_is_told_from_an_action_and_from_a_softened_refusal():
    for line in ("Oh, three nights without heating, that's awful.", "I'm so sorry to hear about your dog.",
                 "Понимаю, ждать месяц обидно.", "Ох, неделя без горячей воды."):
        assert summary_cues.is_sympathy(line), line
    for line in ("Sorry about the wait, I've sent the new code to your phone.",
                 "I'm sorry, but we can't refund a used ticket.", "Понимаю, но вернуть деньги нельзя.",
                 "The parcel is at the depot."):
        assert not summary_cues.is_sympathy(line), line
    assert summary_cues.done_bonus(5, 10, "Ох, неделя без горячей воды.") < summary_cues.done_bonus(
        5, 10, "Горячую воду отключили из-за ремонта трубы.")


def test_russian_commitments_and_one_word_reports_are_actions():
    for line in ("Я передам вашу жалобу в отдел качества.", "Запишу вас на пятницу.", "Вам перезвонят завтра.",
                 "Отменила, можете не платить.", "Продлила."):
        assert summary_cues.is_action(line), line
    for line in ("Поняла.", "Тариф у вас старый.", "Ну вижу."):
        assert not summary_cues.is_action(line), line


def test_the_agents_sympathy_is_not_what_was_done():
    text = summary([("agent", "Good morning, Fairway Rail, <PERSON> speaking."),
                    ("client", "Hi, my train was cancelled last night and I had to get a taxi home, it cost me sixty pounds."),
                    ("agent", "Oh no, stuck at the station late at night, that's awful."),
                    ("agent", "I can see the ten fifteen was cancelled because of a signal fault."),
                    ("agent", "I've logged a claim for the taxi fare."),
                    ("client", "Thanks."), ("agent", "Bye now.")], "en")
    assert "awful" not in text and "signal fault" in text and "logged a claim" in text
    russian = summary([("agent", "Здравствуйте, водоканал «Исток», меня зовут Марина."),
                       ("client", "Здравствуйте. У нас в доме третий день нет горячей воды, ребёнка купать негде."),
                       ("agent", "Ох, третий день без горячей воды с ребёнком, понимаю, как это тяжело."),
                       ("agent", "Вижу, на вашей улице меняют трубу."),
                       ("agent", "Я передала вашу заявку мастеру участка, он проверит подключение дома."),
                       ("client", "Спасибо."), ("agent", "Всего доброго!")], "ru")
    assert "понимаю" not in russian.lower() and "Ох" not in russian and "передала вашу заявку" in russian


def test_a_russian_commitment_outranks_a_finding():
    text = summary([("agent", "Интернет-провайдер «Луч», Сергей, здравствуйте."),
                    ("client", "Здравствуйте. Мне выставили счёт за услугу, которую я не подключал."),
                    ("agent", "Да, вижу, подписка на кино подключена с прошлого месяца."),
                    ("agent", "Тариф у вас старый, там она шла бесплатно первые три месяца."),
                    ("agent", "Я передам в бухгалтерию, вам пересчитают счёт за этот месяц."),
                    ("client", "Хорошо, спасибо."), ("agent", "До свидания.")], "ru")
    assert "передам в бухгалтерию" in text


def test_a_case_reference_after_an_action_is_quoted_with_it():
    text = summary([("agent", "Добрый день, интернет-магазин «Полка», Ирина."),
                    ("client", "Здравствуйте. Мне привезли чайник с разбитой крышкой."),
                    ("agent", "Очень жаль. Я оформила замену чайника. Номер заявки семь ноль три, сохраните его."),
                    ("client", "Хорошо."), ("agent", "Всего доброго!")], "ru")
    assert "оформила замену" in text and "Номер заявки семь ноль три" in text
    english = summary([("agent", "Good afternoon, Parcelway, you're speaking to <PERSON>."),
                       ("client", "Hi, my parcel came with the box crushed and the vase inside is broken."),
                       ("agent", "Right. I've raised a damage claim for the vase. Your claim number is D four four one."),
                       ("client", "Thanks."), ("agent", "Bye now.")], "en")
    assert "raised a damage claim" in english and "claim number is D four four one" in english


def test_pleasantries_and_hand_overs_are_not_what_was_done():
    for line in ("Have a lovely evening.", "See you on Saturday.", "Okay, I'll put you through to billing.",
                 "Всего доброго!", "Сейчас соединяю с бухгалтерией."):
        assert summary_cues.is_courtesy(line), line
    for line in ("I'll text you the fitter's number.", "See you on Saturday at ten for the second fitting, and bring the receipt."):
        assert not summary_cues.is_courtesy(line), line
    text = summary([("agent", "Morning, Kestrel Tyres, <PERSON> here."),
                    ("client", "Hi, my car's booked in with you for a service and the tyre pressure light keeps coming on."),
                    ("agent", "The rear left tyre has a nail in it, we can plug that."),
                    ("agent", "I'll ring you when it's ready. See you tomorrow."),
                    ("client", "Great."), ("agent", "Bye now.")], "en")
    assert "nail" in text and "See you tomorrow" not in text
