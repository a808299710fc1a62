"""Russian summaries (session 20): what the record already shows is no next step, a number read out
alone is no action, and a caller who first says what they had done with the company says what went
wrong in the next sentence. Calls written for these tests (real e5 model)."""
from __future__ import annotations

from agents.analyze.embeddings import CallText
from agents.analyze.summary import _content_text, template_summary
from agents.analyze.summary_cues import is_read_out
from agents.analyze.transcript import Turn


def summary(turns: list[tuple[str, str]], language: str = "ru", direction: str = "unknown") -> str:
    call_turns = [Turn(i, 5.0 * i, 5.0 * i + 4.5, speaker, text) for i, (speaker, text) in enumerate(turns)]
    return template_summary(CallText(call_turns, direction=direction), language)


def test_the_record_read_out_with_its_date_is_no_next_step():
    assert is_read_out("Вижу, заказ от третьего марта, самовывоз.")
    assert is_read_out("Посылка пришла на склад вчера вечером.")
    assert is_read_out("Заявление подано десятого числа, платёж проведён.")
    assert not is_read_out("Курьер привезёт заказ в четверг до обеда.")
    assert not is_read_out("Ответ будет готов в течение трёх дней.")
    assert not is_read_out("Записал вас на пятницу, на девять утра.")  # the agent's own booking is the step
    assert not is_read_out("Перезвоните нам после пятнадцатого.")
    assert not is_read_out("Замена фильтра двенадцатого, с утра.")  # no verb: it may be the plan


def test_a_number_read_out_alone_is_no_action():
    assert not _content_text(None, "Сорок два семнадцать ноль пять...")
    assert not _content_text(None, "Три тысячи двести.")
    assert _content_text(None, "Возврат три тысячи двести.")
    assert _content_text(None, "Я оформил возврат на три тысячи.")


def test_the_next_step_is_not_the_lookup_of_what_happened():
    text = summary([
        ("agent", "Сервис «Теплодом», слушаю вас."),
        ("client", "Здравствуйте, у меня котёл опять не греет, мастер был на прошлой неделе."),
        ("agent", "Вижу, выезд мастера был первого декабря, заменили датчик."),
        ("client", "Ну и толку, всё равно холодно."),
        ("agent", "Понимаю. Оформляю повторный выезд по гарантии, бесплатно."),
        ("agent", "Мастер приедет в пятницу с девяти до двенадцати и позвонит за час."),
        ("client", "Хорошо, жду.")])
    assert "пятниц" in text
    assert "Далее: Вижу" not in text


def test_after_what_they_had_done_the_caller_says_what_went_wrong():
    text = summary([
        ("agent", "Химчистка «Блеск», здравствуйте."),
        ("client", "Здравствуйте. Вы мне в среду диван чистили, на дому. "
                   "А сегодня на подлокотнике жёлтые разводы проступили."),
        ("agent", "Так бывает, если обивка долго сохнет."),
        ("agent", "Запишу вам повторный выезд, мастер приедет в понедельник к десяти."),
        ("client", "Договорились.")])
    assert "развод" in text
    assert "понедельник" in text
