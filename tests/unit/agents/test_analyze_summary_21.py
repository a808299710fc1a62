"""Russian `compact` (session 21): ASR's run-on sentences cut to the clauses that matter, fillers out."""
from agents.analyze.summary_text import compact, without_fillers_ru


def test_fillers_and_politeness_go():
    assert without_fillers_ru("Ну вот значит я отправила вам письмо") == "Я отправила вам письмо"
    assert without_fillers_ru("Одну секундочку, я проверю ваш договор") == "Я проверю ваш договор"
    assert without_fillers_ru("Подскажите пожалуйста когда придёт счёт") == "Когда придёт счёт"


def test_repeated_words_of_asr_are_said_once():
    assert without_fillers_ru("я я записала вас на на пятницу") == "я записала вас на пятницу"


def test_a_sentence_of_fillers_only_stays_as_it_is():
    assert without_fillers_ru("Ну вот.") == "Ну вот."


def test_a_run_on_loses_the_trailing_clauses_that_carry_nothing():
    said = "я оформила возврат и деньги вернутся через три дня а оператор у нас новенький"
    assert compact(said, "ru") == "я оформила возврат и деньги вернутся через три дня."
    assert compact("Ну вот значит заявку я передала, она у нас такая", "ru") == "Заявку я передала."


def test_the_reason_after_because_stays():
    said = "Посылка задержалась потому что склад закрыт на ремонт а курьер у нас новенький"
    assert compact(said, "ru") == "Посылка задержалась потому что склад закрыт на ремонт."


def test_a_clause_with_a_sum_a_fault_or_what_will_happen_stays():
    said = "Я смотрю вашу квитанцию, там начислено две тысячи рублей, в общем как обычно"
    assert compact(said, "ru") == "Я смотрю вашу квитанцию, там начислено две тысячи рублей."
    broken = "У меня стиральная машина, она не сливает воду, и ещё гарантийный талон есть"
    assert compact(broken, "ru") == "У меня стиральная машина, она не сливает воду."
    free = "Мастер приедет в субботу, переделает бесплатно"
    assert compact(free, "ru") == free
    later = "Записала вас на четверг и мастер заменит замок"
    assert compact(later, "ru") == later


def test_a_short_statement_that_all_matters_is_unchanged():
    assert compact("Мастер придёт завтра с утра.", "ru") == "Мастер придёт завтра с утра."


def test_a_time_of_day_in_words_stays():
    said = "Курьер уже выехал, будет примерно к шести, а может и раньше"
    assert compact(said, "ru") == "Курьер уже выехал, будет примерно к шести."
    assert compact("Мастер будет в четверг, с десяти до двух", "ru") == "Мастер будет в четверг, с десяти до двух"


def test_what_the_caller_will_do_and_a_span_in_words_stay():
    said = "Я вас записала на пятницу, и договор вы там же подпишете"
    assert compact(said, "ru") == said
    assert compact("Замену сделали, гарантия полгода и ещё два месяца", "ru") == \
        "Замену сделали, гарантия полгода и ещё два месяца"
    assert without_fillers_ru("Записала. Значит, завтра в девять") == "Записала. Завтра в девять"
