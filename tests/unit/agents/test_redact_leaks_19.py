"""Session 19 redaction leaks (issue 8): a passport series said before "номер" with no "паспорт"
near it, the reply to a request for a word whose name ASR garbled, a mailbox's word spelled
differently when it is read back, a street name ASR split with a comma. Every line here is written
for these tests; the ordinary talk beside each must stay."""
from __future__ import annotations

import pytest

from agents.redact import RUSSIAN_POLICY, redact_transcript
from agents.redact.call_memory import near_spellings
from agents.redact.russian import RU_STREET_ADDRESS
from agents.redact.russian_details import answered_secrets_ru, find_russian_details
from agents.redact.numbers import normalise_spoken_numbers
from aica.samples import find_leaks
from tests.unit.agents.test_redact import make_segment


def series(text: str) -> list[str]:
    normalised = normalise_spoken_numbers(text).text
    return [normalised[a:b] for a, b, entity in find_russian_details(normalised) if entity == "RU_PASSPORT"]


@pytest.mark.parametrize("text, found", [
    ("Пишите: 52-08 номер 731 446.", ["52-08"]),
    ("Сейчас, сорок пять ноль девять, номер триста двенадцать сто сорок.", ["4509"]),
])
def test_two_pairs_of_digits_before_a_number_are_a_passport_series(text, found):
    assert series(text) == found


@pytest.mark.parametrize("text", [
    "Заказ 5208 уже в пути, номер курьера пришлю.",
    "Было 52 08 минут, номер не отвечал.",
    "Номер 5208, всё верно.",
])
def test_four_digits_without_a_number_after_them_are_no_series(text):
    assert series(text) == []


def secrets(question: str, reply: str) -> list[str]:
    segments = [make_segment(question, 0.0, "agent"), make_segment(reply, 4.0, "client")]
    return [reply[a:b] for a, b in answered_secrets_ru(segments).get(1, [])]


def test_a_short_reply_to_a_request_for_a_garbled_word_is_the_secret():
    assert secrets("Назовите, пожалуйста, дату рождения и кого-то вое слово.",
                   "Двенадцатое марта, и это слово. Черемуха.") == ["Черемуха"]


@pytest.mark.parametrize("question", [
    "Хорошо, одно слово про доставку: она будет завтра.",  # no asking verb
    "Назовите, пожалуйста, дату рождения.",  # no word asked for
])
def test_without_a_request_for_a_word_a_short_reply_stays(question):
    assert secrets(question, "Понятно. Отлично.") == []


@pytest.mark.parametrize("word, text, found", [
    ("Мухоловка", "Да, записала мухаловка 15, всё верно.", ["мухаловка"]),
    ("greenfinch", "So that's greenfench seventy at the usual?", ["greenfench"]),
])
def test_a_mailbox_word_spelled_a_little_differently_is_the_same_word(word, text, found):
    assert [text[a:b] for a, b in near_spellings(text, word)] == found


@pytest.mark.parametrize("word, text", [
    ("Мухоловка", "Мы отправим письмо сегодня, мухи не обидим."),  # short and different
    ("greenfinch", "The green finish on the door is fine."),
    ("Оскар", "Оскара получил фильм."),  # too short a word to guess at
    ("refunds", "I'll start the refund today."),  # the ordinary word, its ending dropped
])
def test_other_words_are_no_near_spelling(word, text):
    assert near_spellings(text, word) == []


def test_a_mailbox_read_back_with_another_spelling_is_redacted():
    from agents.redact.agent import analyzer_for

    transcript = {"language": "ru", "audio_duration_s": 12.0, "channels": 2, "segments": [
        make_segment("Почта у меня мухоловка 15 собака, яндекс точка ру.", 0.0, "client"),
        make_segment("Записала, мухаловка 15, отправлю туда сегодня.", 5.0, "agent")]}
    out = redact_transcript(analyzer_for("ru"), transcript, RUSSIAN_POLICY)
    texts = " ".join(s["text"] for s in out["segments"])
    assert "мухаловка" not in texts and "отправлю туда сегодня" in texts


@pytest.mark.parametrize("text, street", [
    ("Адрес: улица новая, заводская, дом 14.", "улица новая, заводская, дом 14"),
    ("улица Ленина, дом 5, квартира 12", "улица Ленина, дом 5, квартира 12"),
])
def test_a_street_name_split_by_a_comma_stays_one_address(text, street):
    normalised = normalise_spoken_numbers(text).text
    assert [m.group() for m in RU_STREET_ADDRESS.finditer(normalised)] == [street]


def test_a_street_named_without_a_house_number_is_not_an_address_pattern():
    assert RU_STREET_ADDRESS.search("На улице холодно, дома тепло.") is None


# --- English ------------------------------------------------------------------------------

from agents.redact.call_memory import names_beside_names  # noqa: E402
from agents.redact.references import answered_references, find_spelled_identifiers  # noqa: E402


def spelled(text: str) -> list[str]:
    return [text[a:b] for a, b, _ in find_spelled_identifiers(text)]


def test_a_written_reference_whose_last_letter_asr_made_small_is_one_reference():
    assert spelled("Sure, it's KP603917c.") == ["KP603917c"]


@pytest.mark.parametrize("text", ["We flew out on the A380s twice.", "It was 2019s best week.",
                                  "Book the 10am and 4pm slots."])
def test_plurals_and_times_with_a_small_letter_are_no_reference(text):
    assert spelled(text) == []


def test_a_postcode_with_its_letters_heard_as_in_and_our_is_a_postcode():
    assert spelled("Yes, the postcode is in our six 2QT.") == ["in our six 2QT"]


def test_in_and_our_in_talk_are_words():
    assert spelled("We keep them in our 2 vans at the depot.") == []


def reference_answers(turns: list[tuple[str, str]]) -> dict[int, list[str]]:
    segments = [make_segment(text, 3.0 * i, speaker) for i, (speaker, text) in enumerate(turns)]
    return {i: [segments[i]["text"][a:b] for a, b in spans] for i, spans in answered_references(segments).items()}


def test_a_reference_cut_between_two_segments_is_read_whole():
    assert reference_answers([("unknown", "And the repair number?"),
                              ("unknown", "Yes, hang on, it's KW."),
                              ("unknown", "58214, that one."),
                              ("unknown", "Lovely, found it.")]) == {1: ["KW"], 2: ["58214"]}


def test_a_next_segment_opening_with_a_word_in_capitals_is_not_joined():
    assert reference_answers([("unknown", "And the booking reference?"),
                              ("unknown", "It's DW 60217."),
                              ("unknown", "OK, lovely, found it.")]) == {1: ["DW 60217"]}


def test_the_next_segment_of_the_other_speaker_is_not_joined_to_the_answer():
    assert reference_answers([("agent", "What's the job number?"),
                              ("client", "It's on the slip, it's KW."),
                              ("agent", "5 minutes, I'll look.")]) == {}


def test_a_job_number_is_asked_for_like_an_order_number():
    assert reference_answers([("agent", "Have you got the job number?"),
                              ("client", "Yeah, it's 44 17 92.")]) == {1: ["44 17 92"]}


def beside(text: str, name: str) -> list[str]:
    start = text.index(name)
    return [text[a:b] for a, b in names_beside_names(text, [(start, start + len(name))])]


def test_a_childs_name_with_its_age_capitalised_before_a_sibling_is_a_name():
    assert beside("It's for the two of them, Maisie Nine and Theo's six.", "Theo") == ["Maisie"]


def test_without_a_possessive_an_age_does_not_join_a_word_to_a_name():
    assert beside("We went to Harbour Nine and Theo came too.", "Theo") == []


def own_names(text: str) -> list[str]:
    from agents.redact.identity import self_named

    return [text[a:b] for a, b in self_named([make_segment(text, 0.0, "client")], "en").get(0, [])]


def test_confirming_who_you_are_by_first_name_names_you():
    assert own_names("Yeah, that's me, Gideon. Same address as before.") == ["Gideon"]


@pytest.mark.parametrize("text", ["Yeah, that's me, Thanks.", "That's me, Same flat as before."])
def test_a_word_after_thats_me_that_does_not_end_the_clause_or_is_no_name_stays(text):
    assert own_names(text) == []
