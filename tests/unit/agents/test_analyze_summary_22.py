"""Summaries (session 22): a short reason that only sets the scene is followed by the caller's problem,
and a request the agent makes (a question ASR wrote as a statement) is no fact. Calls written for these
tests (real e5 model)."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import is_statement, template_summary
from agents.analyze.summary_cues import is_request
from agents.analyze.transcript import Turn


def summary(turns: list[tuple[str, str]], language: str = "ru") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns), language)


def test_a_request_for_details_is_no_fact():
    assert is_request("Продиктуете номер договора.")
    assert is_request("Назовите, пожалуйста, адрес доставки.")
    assert is_request("А можете ещё раз продиктовать телефон.")
    assert is_request("Ещё что-нибудь подсказать.")
    assert is_request("Could you give me the postcode on the account.")
    assert is_request("Can I take your date of birth.")
    assert not is_request("Мастер вам скажет точнее на месте.")
    assert not is_request("Я отправила письмо вам на почту.")
    assert not is_request("I've given the engineer your number.")
    assert not is_statement("Продиктуете номер договора.")
    assert is_statement("Возврат оформлен.")


def test_the_scene_is_followed_by_what_went_wrong():
    text = summary([
        ("agent", "Служба «ДомСервис», слушаю вас."),
        ("client", "Здравствуйте. Мне на прошлой неделе ставили новую дверь."),
        ("agent", "Так, слушаю."),
        ("client", "Замок поставили хороший. А сегодня утром ключ в нём застрял и не проворачивается."),
        ("agent", "Понимаю, неприятно. Я записала мастера на завтра с десяти до двенадцати, он заменит личинку."),
        ("client", "Хорошо, спасибо."),
    ])
    assert "ключ" in text.split("Сделано:")[0].casefold()
    assert len(text) <= 300


def test_an_english_reason_keeps_its_next_sentence():
    # English negations and fault words are as often asides as problems: the rule is Russian only.
    text = summary([
        ("agent", "Good morning, Brightside Windows, Tom speaking."),
        ("client", "Hi. You fitted my patio door last month."),
        ("agent", "Okay, yes."),
        ("client", "It looked great at first. And this morning the handle came off in my hand."),
        ("agent", "I've booked a fitter for Thursday morning, free of charge."),
        ("client", "Great, thanks."),
    ], "en")
    assert text.startswith("Reason: You fitted my patio door last month.")
    assert len(text) <= 300


def test_a_statement_that_only_repeats_what_is_quoted_adds_nothing():
    from agents.analyze.summary import repeats
    assert repeats("Офис закрыт на ремонт.", ["Временно офис закрыт на ремонт до пятницы."])
    assert repeats("The parcel is at the depot.", ["Your parcel is still at the depot, sorry."])
    assert not repeats("Офис откроется в понедельник.", ["Временно офис закрыт на ремонт."])
    assert not repeats("I've sent the label to your email.", ["Your parcel is still at the depot."])
    assert not repeats("Хорошо.", [])
    assert not repeats("The parts are 32 on top.", ["The parts arrive on Wednesday."])  # a new figure
