"""Russian verdict classes seen from Festival audio (h-ru7; real e5 model, built-in support-ru):
sympathy in the first clause of a run-on ASR sentence before a request, a hedge in another
clause, a short "no, nothing needed", colloquial brush-offs, and closings, checks and recording
notices as the ASR hears them. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.clauses import clause_spans
from agents.analyze.embeddings import CallText
from agents.analyze.rules import analyze_with_rules
from agents.analyze.semantic import assess, contrast
from agents.analyze.transcript import Turn, rule_search

from test_analyze_rules import by_id, redacted

OPENING = (0.0, 5.0, "agent", "Добрый день, компания «Теплодом», меня зовут <PERSON>. Разговор записывается.")


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def verdict(scorecard, client_line: str, agent_line: str, criterion: str, last_agent_line: str | None = None) -> dict:
    call = [OPENING, (5.5, 10.0, "client", client_line), (10.5, 16.0, "agent", agent_line),
            (16.5, 18.0, "client", "Хорошо.")]
    if last_agent_line:
        call.append((18.5, 21.0, "agent", last_agent_line))
    return by_id(analyze_with_rules(redacted(call, "ru"), scorecard), criterion)


def pieces(text: str, language: str = "ru") -> list[str]:
    return [text[a:b] for a, b in clause_spans(text, 0, len(text), language)]


# --- clauses -------------------------------------------------------------------------------------

def test_a_run_on_sentence_is_cut_before_a_request_and_a_short_piece_joins_the_act_after_it():
    text = "Ох, без горячей воды, конечно, тяжело, сейчас посмотрим, продиктуйте, пожалуйста, адрес и фамилию."
    assert pieces(text) == ["Ох, без горячей воды, конечно, тяжело",
                            "сейчас посмотрим, продиктуйте, пожалуйста, адрес и фамилию."]


@pytest.mark.parametrize(("text", "language"), [
    ("Да, давайте, назовите номер.", "ru"),                                         # short: one act already
    ("Хорошо, сейчас проверю, минутку, всё в порядке, заявка на месте, давайте так.", "ru"),  # no piece of 3 words before a cut
    ("Oh no, that's awful, let me look, could you give me your surname and postcode, please.", "en"),
])
def test_short_sentences_pieces_too_short_and_english_are_not_cut(text, language):
    assert pieces(text, language) == [text]


def test_a_clause_keeps_its_whole_sentence_and_a_hedge_there_still_rejects_a_resolution(russian):
    line = "Передала мастеру, когда-нибудь посмотрят, подождите, пожалуйста, звонка от них на этой неделе."
    turns = [Turn(0, 0.0, 4.0, "client", "У меня опять течёт кран на кухне."), Turn(1, 4.5, 12.0, "agent", line)]
    clauses = CallText(turns, "incoming", "ru").in_clauses()
    assert [s.text for s in clauses.sentences[1:]] == ["Передала мастеру, когда-нибудь посмотрят",
                                                      "подождите, пожалуйста, звонка от них на этой неделе."]
    assert {s.full_text for s in clauses.sentences[1:]} == {line}
    resolution = russian.criterion("resolution")
    assessed = assess(resolution, clauses, "ru", contrast(resolution, russian.criteria, "ru"))
    assert not assessed.rule_evidence and not [s for _, s in assessed.scored if s.turn.index == 1]


# --- verdicts ------------------------------------------------------------------------------------

def test_sympathy_in_the_first_clause_of_a_run_on_request_is_empathy(russian):
    found = verdict(russian, "У нас второй день нет горячей воды, а дома маленький ребёнок.",
                    "Ох, без горячей воды с малышом, конечно, тяжело, сейчас посмотрим, продиктуйте, пожалуйста, "
                    "адрес и фамилию владельца счёта.", "empathy")
    assert found["verdict"] == "met"
    assert found["evidence"][0]["quote"].startswith("Ох, без горячей воды")


@pytest.mark.parametrize("line", ["Нет, больше ничего не требуется.", "Нет, ничего делать не нужно."])
def test_a_short_no_nothing_needed_is_no_rudeness(russian, line):
    assert verdict(russian, "А мне нужно что-то ещё сделать?", line, "no_rude_language")["verdict"] == "met"


@pytest.mark.parametrize(("text", "rude"), [
    ("Ну и чего вы от меня хотите, я тут не решаю.", True),
    ("А мы тут при чём, это банк ваш так сделал.", True),
    ("Откуда мне знать, куда курьер делся.", True),
    ("Сами выбирали квартиру, вы и разбирайтесь.", True),
    ("Договор подписывали же, там всё есть.", True),
    ("Я вам нормальным языком объясняю, тариф такой.", True),
    ("Надо было условия до конца читать.", True),
    ("Что вы от нас ожидаете по срокам, я уточню.", False),
    ("Откуда вы узнали о нашей акции?", False),
    ("А я сейчас проверю, минутку.", False),
])
def test_colloquial_brush_offs_are_in_the_rudeness_lexicon(russian, text, rude):
    rules = russian.criterion("no_rude_language").rules["ru"]
    assert any(all(rule_search(p, text) for p in alternative) for alternative in rules) is rude


def test_a_colloquial_brush_off_fails_the_agent_with_its_quote(russian):
    found = verdict(russian, "Мне привезли не тот холодильник.", "Ну и чего вы от меня хотите, я не склад.",
                    "no_rude_language")
    assert found["verdict"] == "not_met" and "от меня хотите" in found["evidence"][0]["quote"]


@pytest.mark.parametrize("goodbye", ["Пожалуйста, выздоравливайте, до свиданья.", "Ну, счастливо вам.",
                                     "Обращайтесь, если что, всего вам наилучшего.",
                                     "Пожалуйста, вы здоравливаете до сведения."])  # as Whisper heard one
def test_closings_in_other_words_and_as_the_asr_hears_them(russian, goodbye):
    found = verdict(russian, "Понятно, спасибо.", "Заявку я оформила, мастер придёт в среду.", "closing", goodbye)
    assert found["verdict"] == "met"


@pytest.mark.parametrize("text", ["Карту разблокировала, можете платить.",
                                  "Я доведу это до сведения руководства, вам ответят."])  # "до сведения" as a goodbye ends the sentence
def test_a_done_statement_is_no_closing_rule(russian, text):
    rules = russian.criterion("closing").rules["ru"]
    assert not any(all(rule_search(p, text) for p in alt) for alt in rules)


@pytest.mark.parametrize(("criterion", "text"), [
    ("recording_disclosure", "Звонок записываю са для улучшения качества."),
    ("recording_disclosure", "Предупреждаю, <PERSON> записывается."),
    ("verification", "Назовите, пожалуйста, в вашу фамилию и дату рождения."),
    ("verification", "Назовите когда во есть слово по договору."),
])
def test_notices_and_checks_as_the_asr_hears_them_match_their_rules(russian, criterion, text):
    rules = russian.criterion(criterion).rules["ru"]
    assert any(all(rule_search(p, text) for p in alternative) for alternative in rules)


@pytest.mark.parametrize("line", ["Когда оформляли, знали же, что так будет, понимаю.",
                                  "Понимаю, но для вас это слишком сложно, видимо."])
def test_blaming_in_the_same_sentence_is_no_sympathy(russian, line):
    found = verdict(russian, "Мне выставили счёт вдвое больше обычного, я в шоке.", line, "empathy")
    assert found["verdict"] == "not_met"


@pytest.mark.parametrize("client_line", ["Я просто в шоке от этого счёта, честно.",
                                         "Какого чёрта у меня опять списали абонентскую плату?"])
def test_words_of_worry_make_empathy_applicable_however_the_rest_was_heard(russian, client_line):
    # the agent goes straight to procedure: not_met, not "na"
    assert verdict(russian, client_line, "Назовите номер договора и дату рождения.", "empathy")["verdict"] == "not_met"
