"""Russian verdict classes from session 10's fresh batch (h-ru11; real e5 model, built-in support-ru):
the record read out or changed before any check, a name alone asked as a "check", the record opened
on a call the caller put in general words, and what a vague outcome sounds like. The lines are
written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import rule_search

from test_analyze_rules import by_id, redacted

OPENING = (0.0, 5.0, "agent", "Добрый день, служба поддержки «Кедр», меня зовут <PERSON>. Разговор записывается.")


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def judged(scorecard, lines: list[tuple[str, str]], criterion: str) -> dict:
    """The verdict on a call of (speaker, text) lines after the opening, two seconds each."""
    call = [OPENING] + [(6.0 + 3 * i, 8.0 + 3 * i, who, text) for i, (who, text) in enumerate(lines)]
    return by_id(analyze_with_rules(redacted(call, "ru"), scorecard), criterion)


def acts(scorecard, text: str) -> bool:
    rules = scorecard.criterion("verification").must_precede["ru"]
    return any(all(rule_search(p, text) for p in alternative) for alternative in rules)


# --- verification: what the agent reads out or changes must come after the check -----------------

@pytest.mark.parametrize("line", [
    "Угу, нашла, у вас подписка приостановлена с первого числа.",
    "Так, по вашему лицевому счёту задолженность четыре тысячи двести.",
    "Вижу ваш заказ, он уже отправлен курьером.",
    "Ваша бронь на субботу аннулирована, деньги вернулись на карту.",
    "Всё, тариф поменяла, со следующего месяца будет новый.",
])
def test_the_record_read_out_or_changed_is_an_act(russian, line):
    assert acts(russian, line)


@pytest.mark.parametrize("line", [
    "Понимаю, у вас каждый просроченный день на счету, это обидно.",   # an adjective, not what the record says
    "Не вижу смысла ждать, давайте оформим заявку.",
    "Назовите, пожалуйста, дату рождения.",
    "Мастер приедет в пятницу с девяти до двенадцати.",
])
def test_sympathy_requests_and_plans_are_no_act(russian, line):
    assert not acts(russian, line)


def test_a_check_after_the_record_was_read_out_is_late(russian):
    found = judged(russian, [
        ("client", "Хочу узнать, почему мне не пришла посылка."),
        ("agent", "Номер заказа подскажите."),
        ("client", "Сорок один двадцать."),
        ("agent", "Вижу, заказ отменён, оплата возвращена на карту."),
        ("client", "Как отменён?"),
        ("agent", "Для подтверждения назовите, пожалуйста, дату рождения владельца."),
        ("client", "Третье марта восемьдесят пятого."),
    ], "verification")
    assert found["verdict"] == "not_met" and "отменён" in found["evidence"][0]["quote"]


def test_a_record_read_out_makes_a_missed_check_a_failure_not_na(russian):
    # the caller's words alone are general; the agent opens the record without any check
    found = judged(russian, [
        ("client", "Подскажите, что там у меня с документами на субсидию."),
        ("agent", "Так, у вас за прошлый год долг по взносам три тысячи."),
        ("client", "Ого, понятно."),
    ], "verification")
    assert found["verdict"] == "not_met"


def test_a_name_alone_is_no_check_but_a_name_with_the_contract_number_is(russian):
    name_only = judged(russian, [
        ("client", "Хочу узнать про свою заявку на компенсацию."),
        ("agent", "Как ваша фамилия?"),
        ("client", "<PERSON>."),
        ("agent", "Ваша заявка на компенсацию одобрена, выплата до двадцатого."),
    ], "verification")
    assert name_only["verdict"] == "not_met"
    with_number = judged(russian, [
        ("client", "Хочу узнать про свою заявку на компенсацию."),
        ("agent", "Продиктуйте номер лицевого счёта и фамилию владельца."),
        ("client", "Девяносто три ноль один, <PERSON>."),
        ("agent", "Ваша заявка на компенсацию одобрена, выплата до двадцатого."),
    ], "verification")
    assert with_number["verdict"] == "met"


def test_the_contract_number_with_the_address_is_a_check(russian):
    found = judged(russian, [
        ("client", "У меня третий день нет телевидения."),
        ("agent", "Скажите номер договора и адрес подключения."),
        ("client", "Пятьсот двенадцать, <ADDRESS>."),
        ("agent", "Спасибо. У вас доступ приостановлен за неоплату."),
    ], "verification")
    assert found["verdict"] == "met"


# --- resolution: a next step someone else takes, with no when, is vague --------------------------

@pytest.mark.parametrize("line", [
    "Как только склад ответит, с вами свяжутся.",
    "Мастер вам сам перезвонит, когда освободится.",
    "Ваш вопрос передадим в бухгалтерию, там разберутся.",
    "Ожидайте звонка от нашего менеджера.",
    "Заявление ваше отклонили, не хватило подписи.",
])
def test_a_next_step_without_when_is_no_resolution(russian, line):
    found = judged(russian, [("client", "Мне так и не вернули деньги за сломанный чайник."),
                             ("agent", line), ("client", "Понятно.")], "resolution")
    assert found["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "Менеджер свяжется с вами завтра до двенадцати.",
    "Как только склад ответит, я сама вам перезвоню в четверг.",
    "Записала вас на приём в среду к девяти.",
])
def test_a_next_step_with_when_still_counts(russian, line):
    found = judged(russian, [("client", "Мне так и не вернули деньги за сломанный чайник."),
                             ("agent", line), ("client", "Понятно.")], "resolution")
    assert found["verdict"] == "met"


@pytest.mark.parametrize("line", ["Записал.", "Телефон записала, спасибо.", "Номер обращения сто двенадцать."])
def test_noting_a_detail_down_or_a_ticket_number_is_no_resolution_rule(russian, line):
    rules = russian.criterion("resolution").rules["ru"]
    assert not any(all(rule_search(p, line) for p in alternative) for alternative in rules)


# --- as the ASR hears it ------------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Назавите номер лицевого счёта и адрес.",                     # the request verb misheard
    "Скажите, пожалуйста, фамилию и когда во есть слово.",        # "кодовое слово" as Whisper writes it
])
def test_a_check_survives_a_misheard_verb_or_code_word(russian, line):
    found = judged(russian, [
        ("client", "Мне выставили счёт за воду вдвое больше."),
        ("agent", line),
        ("client", "Восемьдесят один, <ADDRESS>."),
        ("agent", "Спасибо. У вас начислено по нормативу, пересчитаю до пятницы."),
    ], "verification")
    assert found["verdict"] == "met"


@pytest.mark.parametrize("line", [
    "Я записала. А вас на повторный приём в среду к девяти.",      # the ASR cut the booking in two
    "Справку и договор пришлю вам на почту сегодня до пяти.",
])
def test_a_booking_cut_by_the_asr_and_an_own_commitment_with_when_are_a_resolution(russian, line):
    found = judged(russian, [("client", "Мне нужно попасть к врачу ещё раз."),
                             ("agent", line), ("client", "Хорошо.")], "resolution")
    assert found["verdict"] == "met"


def test_noting_a_detail_and_adding_it_to_the_case_is_no_booking_rule(russian):
    rules = russian.criterion("resolution").rules["ru"]
    line = "Госномер записала, к заявке приложила."
    assert not any(all(rule_search(p, line) for p in alternative) for alternative in rules)


# --- greeting: a greeting word and a name or company, whatever order and however heard --------------

def greeted(scorecard, opening: str) -> str:
    call = [(0.0, 4.0, "agent", opening), (4.5, 9.0, "client", "Да, у меня вопрос по доставке холодильника."),
            (9.5, 12.0, "agent", "Слушаю внимательно.")]
    return by_id(analyze_with_rules(redacted(call, "ru"), scorecard), "greeting")["verdict"]


@pytest.mark.parametrize("opening", ["Стоматология «Улыбка», администратор <PERSON>, слушаю.",
                                     "Служба доставки, <PERSON>."])
def test_a_name_and_a_company_without_a_greeting_word_is_no_greeting(russian, opening):
    assert greeted(russian, opening) == "not_met"


@pytest.mark.parametrize("opening", [
    "Салон «Лютик», <PERSON>. Здравствуйте, чем помочь?",             # the greeting after the name
    "Автомойка «Блеск», мастер <PERSON>, добрый день.",
    "Меня зовут <PERSON>, компания «Оазис», сдравствуйте.",             # the greeting word misheard
])
def test_a_greeting_after_the_name_or_misheard_still_greets(russian, opening):
    assert greeted(russian, opening) == "met"


def test_a_greeting_after_the_agent_hands_over_is_the_callers(russian):
    # one ASR turn: "…, говорите. Здравствуйте." — the agent said "говорите", the caller greeted
    assert greeted(russian, "Бюро ремонта «Винтик», говорите. Здравствуйте.") == "not_met"
    assert greeted(russian, "Здравствуйте, бюро ремонта «Винтик», слушаю вас.") == "met"
