"""Session 18 (h-emp18): a failure by meaning is judged on a sentence's words, not its redacted values
(an address read back and confirmed is no rudeness); Russian empathy's classifier no longer takes a
negation for sympathy (refusals and blame said with «не») nor misses sympathy said with one, and
"Понимаю," opening a statement of the caller's circumstance counts by its wording.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.semantic import without_placeholders
from agents.analyze.transcript import rule_search
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

from test_analyze_criteria_classes import judged


@pytest.fixture(scope="module")
def catalog():
    return load_catalog_file(DEFAULT_PROJECTS_FILE)


@pytest.mark.parametrize(("text", "words"), [
    ("<EMAIL_ADDRESS>, that's gone to you now.", "that's gone to you now."),
    ("<PERSON>, you've been very patient.", "you've been very patient."),
    ("Right, <EMAIL_ADDRESS>, it's on its way.", "Right it's on its way."),
    ("Is it <DATE_TIME>?", "Is it?"),
    ("<PERSON> <PERSON>.", "<PERSON> <PERSON>."),  # nothing but values: kept as it is
    ("No values here.", "No values here."),
])
def test_a_sentence_without_its_redacted_values(text, words):
    assert without_placeholders(text) == words


EMAIL_ASKED = "Could you email me the form? It's <EMAIL_ADDRESS>."


@pytest.mark.parametrize("line", [
    "<EMAIL_ADDRESS>, that's gone to you now.",
    "Right, <EMAIL_ADDRESS>, it's on its way.",
    "<EMAIL_ADDRESS>, that's been emailed over.",
])
def test_a_value_read_back_and_confirmed_is_not_rude(catalog, line):
    assert judged(catalog.scorecard("support-en"), EMAIL_ASKED, line, "no_rude_language")["verdict"] == "met"


@pytest.mark.parametrize("line", ["The code's in your confirmation email, it begins with <PERSON>.", "<PERSON>, and is that still <ADDRESS>?"])
def test_a_value_taken_out_does_not_make_a_line_rude(catalog, line):
    assert judged(catalog.scorecard("support-en"), EMAIL_ASKED, line, "no_rude_language")["verdict"] == "met"


TROUBLE = "У меня третий день не работает интернет, я просто в ужасе."


@pytest.mark.parametrize("line", [
    "Это уже не наша зона ответственности, обращайтесь к застройщику.",
    "Я ничего не путаю, так в акте и записано.",
    "Скорее всего, вы просто не дождались, пока роутер загрузится.",
    "Нет, раньше понедельника мастер не приедет.",
])
def test_a_negation_is_no_sympathy_in_russian(catalog, line):
    assert judged(catalog.scorecard("support-ru"), TROUBLE, line, "empathy", "ru")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "Не переживайте так, мы всё уладим сегодня же.",
    "Понимаю, без интернета сейчас вообще никуда.",
    "Понимаю, вам с работой из дома это совсем не кстати.",
])
def test_sympathy_said_with_a_negation_or_after_ponimayu(catalog, line):
    assert judged(catalog.scorecard("support-ru"), TROUBLE, line, "empathy", "ru")["verdict"] == "met"


@pytest.mark.parametrize(("text", "counts"), [
    ("Понимаю, без машины в субботу никак.", True),
    ("Да, понимаю, неделя ожидания кого угодно выведет.", True),
    ("Понимаю, тогда давайте оформим возврат.", False),
    ("Понимаю, а номер заказа какой?", False),
    ("Понимаю, значит вы хотите перенести доставку.", False),
    ("Понимаю.", False),
])
def test_ponimayu_before_the_callers_circumstance(catalog, text, counts):
    rules = catalog.scorecard("support-ru").criterion("empathy").rules["ru"]
    pattern = next(alt for alt in rules if "понимаю,? (?!" in alt[0])
    assert bool(all(rule_search(p, text) for p in pattern)) is counts
