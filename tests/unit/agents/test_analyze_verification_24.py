"""Identity verification classes from session 24 (h-verif24; real e5 model, built-in scorecards): a
check that comes only after the agent acted (a charge cut, a job moved up, a plan's change read out),
a name alone asked with a word of address, a record found by the surname and read out, someone
else's birthday, a ticket number alone, and (Russian) an outgoing call about the caller's own
application. Near-twins: the same acts after a proper check stay met, an offer of the same act is no
act, a general enquiry stays na. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from test_analyze_verification_13 import matches, verification


@pytest.fixture(scope="module")
def english(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


OPENING = [("agent", "Morning, Hillside Bike Hire, Priya speaking."),
           ("client", "Hi, I've been charged eighty pounds for a scratched frame and it was like that already.")]


@pytest.mark.parametrize("ask", ["What's your name, love?", "And your surname, sir?", "Your full name, please?"])
def test_a_name_alone_with_a_word_of_address_is_no_check(english, ask):
    assert matches(english, "reject_if", "en", ask)


@pytest.mark.parametrize("ask", ["What's your name and postcode, love?", "Your name and date of birth, please?"])
def test_a_name_with_what_only_the_holder_knows_stays_a_check(english, ask):
    assert not matches(english, "reject_if", "en", ask)


@pytest.mark.parametrize("line", [
    "Look, I've knocked it down to forty.",
    "I've bumped it up to an urgent job.",
    "I have waived the late fee.",
    "So the plan was switched to yearly on the fifth.",
    "Your membership has been downgraded to off-peak.",
])
def test_acts_on_the_record(english, line):
    assert matches(english, "must_precede", "en", line)


@pytest.mark.parametrize("line", [
    "I can knock it down to forty if that helps.",
    "Would you like the plan switched to yearly?",
    "We could bump it up the list if it gets worse.",
])
def test_offers_of_the_same_acts_are_no_acts(english, line):
    assert not matches(english, "must_precede", "en", line)


def test_a_check_after_the_charge_was_cut_is_not_met(english):
    found = verification(english, OPENING + [
        ("agent", "Right, I've knocked it down to forty. Can I just take your postcode and date of birth to be sure it's yours?"),
        ("client", "<LOCATION>, <DATE_TIME>."),
        ("agent", "Thanks, that's all sorted.")])
    assert found["verdict"] == "not_met"
    assert "knocked" in found["evidence"][0]["quote"]


def test_the_same_check_before_the_charge_was_cut_stays_met(english):
    found = verification(english, OPENING + [
        ("agent", "Can I just take your postcode and date of birth to be sure it's your account?"),
        ("client", "<LOCATION>, <DATE_TIME>."),
        ("agent", "Thanks. Right, I've knocked it down to forty.")])
    assert found["verdict"] == "met"


def test_a_record_found_by_the_surname_and_read_out_needs_a_check_first(english):
    found = verification(english, [
        ("agent", "Good afternoon, Meadow Lane Garden Centre, how can I help?"),
        ("client", "Hi, the bench I ordered still hasn't come."),
        ("agent", "What was the surname?"),
        ("client", "<PERSON>."),
        ("agent", "I've got it here. The oak bench, you paid one hundred and ten pounds on the fourth of May."),
        ("client", "That's it, so where is it?")])
    assert found["verdict"] == "not_met"


def test_a_general_enquiry_stays_not_applicable(english):
    found = verification(english, [
        ("agent", "Good afternoon, Meadow Lane Garden Centre, how can I help?"),
        ("client", "Hi, do you sell oak benches, and what time do you close on Sundays?"),
        ("agent", "We do, from ninety pounds, and we close at four on Sundays."),
        ("client", "Lovely, thanks.")])
    assert found["verdict"] == "na"


def test_someone_elses_birthday_is_no_check(english):
    assert not matches(english, "rules", "en", "Oh no, and with your mum's birthday on Saturday too.")
    assert matches(english, "rules", "en", "And can I take your birthday, please?")


def test_a_ticket_number_alone_is_no_check(english):
    assert matches(english, "reject_if", "en", "It's the ticket number I need, have you got it there?")
    assert not matches(english, "reject_if", "en", "The ticket number and your postcode, please?")


# --- Russian --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def russian(builtin_catalog):
    return builtin_catalog.scorecard("support-ru")


def test_an_outgoing_call_about_the_callers_own_application_needs_the_check(russian):
    found = verification(russian, [
        ("client", "Алло?"),
        ("agent", "Добрый день, это «ТеплоДом», по вашей заявке на замену батареи."),
        ("client", "Да, слушаю."),
        ("agent", "Подскажите адрес, чтобы я ничего не перепутал."),
        ("client", "<ADDRESS>."),
        ("agent", "Спасибо. Радиатор приехал, мастер будет в пятницу с утра.")], language="ru")
    assert found["verdict"] == "met"


def test_a_new_application_asked_about_in_general_stays_not_applicable(russian):
    found = verification(russian, [
        ("agent", "«ТеплоДом», здравствуйте."),
        ("client", "Здравствуйте, а как у вас оставить заявку на замену батареи и сколько это стоит?"),
        ("agent", "Заявку можно оставить на сайте, замена от пяти тысяч."),
        ("client", "Поняла, спасибо.")], language="ru")
    assert found["verdict"] == "na"

