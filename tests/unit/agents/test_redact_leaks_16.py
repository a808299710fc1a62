"""Session 16 redaction leaks (issue 8): an address answered with a garbled street, an address or
street said as a clause of its own, a reference read back in another turn, an e-mail spelled and
interrupted, and the agent's own name before a handover question. The lines are written for these
tests; ordinary talk of the same look must stay."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_transcript
from agents.redact.dictated import find_dictated
from agents.redact.spoken_details import ADDRESS_CLAUSE, answered_addresses
from agents.redact.transcript import SELF_INTRODUCTION, introductions_in, name_span
from tests.unit.agents.test_redact import call, make_segment


def introduced(text: str) -> list[str]:
    return [text[slice(*name_span(m))] for m in introductions_in(SELF_INTRODUCTION["en"], text)]


@pytest.mark.parametrize("text, names", [
    ("Priya speaking, how can I help you today?", ["Priya"]),
    ("Good morning, Larchfield Vets, Owen speaking, what can I do for you?", ["Owen"]),
    ("Is that Priya speaking?", []),
    ("Hello, is that Owen speaking, please?", []),
    ("Sorry, who's that calling from the garage?", []),
])
def test_a_question_after_the_introduction_is_the_handover_not_an_ask(text, names):
    assert introduced(text) == names


def answered(question: str, reply: str) -> list[str]:
    segments = [make_segment(question, 0.0, "agent"), make_segment(reply, 3.0, "client")]
    return [reply[a:b] for a, b in answered_addresses(segments).get(1, [])]


@pytest.mark.parametrize("question, reply, value", [
    ("What's the address, please?", "Yeah, it's six willow grieve.", "six willow grieve"),
    ("And the first line of the address?", "It's 27 hazel bank, Derby.", "27 hazel bank"),
    ("Can I take the address?", "Forty-one Copper Beech Row.", "Forty-one Copper Beech Row"),
])
def test_a_house_number_and_its_words_answering_an_address_question_are_an_address(question, reply, value):
    assert answered(question, reply) == [value]


def test_an_address_answer_may_go_on_in_the_same_speakers_next_segment():
    segments = [make_segment("Name, date of birth and first line of the address?", 0.0, "agent"),
                make_segment("It's Rosa Pike, ninth of June,", 3.0, "client"),
                make_segment("twelve larch grieve, and it's about my knee.", 6.0, "client"),
                make_segment("Thanks. Is it the left knee?", 9.0, "agent"),
                make_segment("Yes, since two weeks ago.", 12.0, "client")]
    assert {i: [segments[i]["text"][a:b] for a, b in s] for i, s in answered_addresses(segments).items()} == {
        2: ["twelve larch grieve"]}


@pytest.mark.parametrize("question, reply", [
    ("What's the address, please?", "Hang on, I moved about three weeks ago."),
    ("Is that still your address?", "Yes, same one as before."),
    ("What's the address?", "Twenty two, I think."),
    ("How long have you been at the address?", "Oh, two years or so."),
])
def test_quantities_in_an_address_answer_stay(question, reply):
    assert answered(question, reply) == []
    # ...and without a question for an address a number and words are talk.
    segments = [make_segment("How long has it been broken?", 0.0, "agent"),
                make_segment("Since nine bells rang.", 3.0, "client")]
    assert answered_addresses(segments) == {}


@pytest.mark.parametrize("text, value", [
    ("Okay, Mrs Dale, 15 Rowan Terris, and you paid by card.", "15 Rowan Terris"),
    ("Right, yes, Mr Ward, Pembury Crescent.", "Pembury Crescent"),
])
def test_a_clause_that_is_only_an_address_is_one(text, value):
    assert [m.group() for m in ADDRESS_CLAUSE.finditer(text)] == [value]


@pytest.mark.parametrize("text", [
    "I ordered 2 Garden Chairs and a table.",
    "We're near the Station Road shop.",
    "It was delivered on 3 March, Tuesday.",
    "Thanks, Abbey.",
])
def test_numbers_and_capitalised_words_in_a_sentence_stay(text):
    assert list(ADDRESS_CLAUSE.finditer(text)) == []


@pytest.mark.parametrize("text, pieces", [
    ("It's sally dot brook, that's B R O O K, eighty, at gmail dot com.", ["sally dot brook", "B R O O K", "eighty"]),
    ("Yes. My email is pete runs, P E T E runs, at outlook dot com.", ["pete runs", "P E T E runs"]),
])
def test_an_interrupted_mailbox_is_redacted_piece_by_piece_without_the_words_around_it(text, pieces):
    assert [text[a:b] for a, b, entity in find_dictated(text) if entity == "EMAIL_ADDRESS"] == pieces


def test_a_mailbox_said_in_one_go_is_left_to_the_other_patterns():
    from agents.redact.dictated import interrupted_emails
    assert interrupted_emails("Sure, send the receipt to kim dot hale at gmail dot com, please.") == []


def test_an_ordinary_at_stays():
    assert [f for f in find_dictated("I paid at the shop. Then I went home.") if f[2] == "EMAIL_ADDRESS"] == []


@pytest.mark.models
def test_a_reference_read_back_is_redacted_like_the_answer(english_analyzer):
    transcript = call(("agent", "Have you got the booking number?"), ("client", "Yes, it's M seven two two nine."),
                      ("agent", "M seven two two nine, lovely. And it's M-7-2-2-9 on the letter too?"),
                      ("client", "Yes, for seven two people."))
    texts = [s["text"] for s in redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)["segments"]]
    assert "two two nine" not in texts[1] and "two two nine" not in texts[2] and "M-7-2-2-9" not in texts[2]
    assert texts[3] == "Yes, for seven two people."


@pytest.mark.models
def test_the_agents_name_before_a_handover_question_is_kept(english_analyzer):
    transcript = call(("agent", "Thanks for calling Larchfield Vets, Owen speaking, how can I help?"),
                      ("client", "Hi Owen, it's Bridget Lorimer, about my cat."))
    texts = [s["text"] for s in redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)["segments"]]
    assert "Owen speaking" in texts[0] and "Lorimer" not in texts[1]


def test_an_ordinal_house_number_as_asr_writes_six_is_a_house_number():
    from agents.redact.recognizers import STREET_ADDRESS
    assert [m.group() for m in STREET_ADDRESS.finditer("The van will come to 4th Linnet Crescent at ten.")] == [
        "4th Linnet Crescent"]
    assert list(STREET_ADDRESS.finditer("It's the 3rd time this week, on the 2nd floor.")) == []


@pytest.mark.models
def test_an_address_clause_is_redacted_in_a_transcript(english_analyzer):
    transcript = call(("agent", "Right, Mrs Dale, 15 Rowan Terris, paid by card. And Mr Ward, Pembury Crescent."),
                      ("client", "Yes, that's us."))
    text = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)["segments"][0]["text"]
    assert "Rowan" not in text and "Pembury" not in text and "paid by card" in text
