"""Verdict classes added with support-en 4 / support-ru 3 (real e5 model, built-in scorecards):
verification applies to the caller's own service but not to a general enquiry, and an agent who
asks for holder-only details opens a record; a hand-off with no time is no next step while a done
state or a dated dispatch is one; sympathetic interjections are empathy; Russian telling-off,
blaming the client's timing, sarcasm and impersonal dated next steps. The lines are written for
these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.rules import analyze_with_rules

from test_analyze_rules import by_id, redacted

AGENT_OPENING = (0.0, 5.0, "agent", "Hello, Greenfield Broadband, Sam speaking, this call is recorded.")


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


def judged(scorecard, client_line: str, agent_line: str, criterion: str, language: str = "en") -> dict:
    opening = AGENT_OPENING if language == "en" else (
        0.0, 5.0, "agent", "Добрый день, компания «Теплодом», меня зовут <PERSON>. Разговор записывается.")
    call = [opening, (5.5, 10.0, "client", client_line), (10.5, 15.0, "agent", agent_line),
            (15.5, 18.0, "client", "Okay." if language == "en" else "Хорошо.")]
    return by_id(analyze_with_rules(redacted(call, language), scorecard), criterion)


@pytest.mark.parametrize("client_line", [
    "Is there a problem with the trains into Leeds this morning?",
    "What time does your shop on the high street shut on Saturdays?",
    "Our whole village has no phone signal, is a mast down?",
])
def test_verification_is_na_for_a_general_enquiry(catalog, client_line):
    answer = "Yes, there's a fault in the area and it should be fixed by five."
    assert judged(catalog.scorecard("support-en"), client_line, answer, "verification")["verdict"] == "na"


@pytest.mark.parametrize("client_line", [
    "My landline has gone dead since the storm.",
    "The box that came with my package keeps restarting.",
])
def test_verification_applies_to_the_callers_own_service(catalog, client_line):
    # no identity check by the agent: the caller's own line is account business, so not_met
    answer = "Right, I'll run a test on it now."
    assert judged(catalog.scorecard("support-en"), client_line, answer, "verification")["verdict"] == "not_met"


@pytest.mark.parametrize("check", [
    "Could I just take your name and the address on the account?",
    "Can you confirm the mobile number we have for you?",
    "I'll need to run through a couple of security questions first.",
    "Could you read me the code we've just texted to you?",
])
def test_holder_questions_are_a_check_and_make_verification_apply(catalog, check):
    # a routine request with no account word: the agent's own check shows a record is opened
    verdict = judged(catalog.scorecard("support-en"), "I'd like one of the new hubs, please.", check, "verification")
    assert verdict["verdict"] == "met" and verdict["evidence"][0]["quote"] in check


@pytest.mark.parametrize("line", [
    "I've flagged it to the billing team and they'll get back to you.",
    "Leave it with me, we'll be in touch.",
    "I've referred it to our specialists.",
])
def test_a_hand_off_with_no_time_is_no_resolution(catalog, line):
    assert judged(catalog.scorecard("support-en"), "My bill is wrong again.", line, "resolution")["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "I've flagged it to the billing team and they'll get back to you by Thursday.",
    "Right, that's fixed now, give it a try.",
    "The new handset goes out first class tonight.",
])
def test_a_done_state_or_a_dated_hand_off_is_resolution(catalog, line):
    verdict = judged(catalog.scorecard("support-en"), "My bill is wrong again.", line, "resolution")
    assert verdict["verdict"] == "met" and verdict["evidence"]


@pytest.mark.parametrize("line", [
    "Oh dear, let's see what we can do.",
    "What a week you've had, let me look.",
    "You must be exhausted with all this.",
    "Nobody wants that on a Monday morning.",
])
def test_sympathy_in_passing_is_empathy(catalog, line):
    verdict = judged(catalog.scorecard("support-en"), "My heating's packed up again and I'm fed up.", line, "empathy")
    assert verdict["verdict"] == "met" and verdict["evidence"][0]["quote"] in line


def test_procedure_without_acknowledgement_is_still_not_empathy(catalog):
    verdict = judged(catalog.scorecard("support-en"), "My heating's packed up again and I'm fed up.",
                     "Okay, what's the postcode?", "empathy")
    assert verdict["verdict"] == "not_met"


@pytest.mark.parametrize("line", [
    "Не перебивайте вы меня, я сейчас всё скажу.",
    "Думать надо было раньше, а не через месяц звонить.",
    "Мы вам не волшебники, ждите.",
    "Вы кнопку нажать можете, или для вас это слишком сложно?",
])
def test_russian_telling_off_blaming_and_sarcasm_are_rude(catalog, line):
    verdict = judged(catalog.scorecard("support-ru"), "У меня опять не работает телевизор.", line,
                     "no_rude_language", "ru")
    assert verdict["verdict"] == "not_met" and verdict["evidence"]


@pytest.mark.parametrize("line", [
    "Давайте не будем торопиться, я всё проверю.",
    "Хорошо, что сразу позвонили, сейчас посмотрю.",
])
def test_russian_polite_look_alikes_are_not_rude(catalog, line):
    verdict = judged(catalog.scorecard("support-ru"), "У меня опять не работает телевизор.", line,
                     "no_rude_language", "ru")
    assert verdict["verdict"] == "met"


def test_russian_impersonal_next_step_with_a_time_is_resolution(catalog):
    verdict = judged(catalog.scorecard("support-ru"), "У меня опять не работает телевизор.",
                     "На линии авария, сигнал восстановят завтра до обеда.", "resolution", "ru")
    assert verdict["verdict"] == "met"
