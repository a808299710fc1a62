"""How callers identify themselves: full names in identification phrases, spelled references, and
street types that are also ordinary words. Each example is one the small spaCy model alone let
through (checked before agents/redact/identity.py and NAMED_STREET_ADDRESS existed)."""
from __future__ import annotations

import pytest

from agents.redact import ENGLISH_POLICY, redact_text, redact_transcript
from agents.redact.identity import SPELLED_ID, SpelledIdRecognizer
from aica.samples import find_leaks


def call(*turns: tuple[str, str]) -> dict:
    """A stereo transcript, one segment per turn, words as faster-whisper writes them."""
    segments = []
    for i, (speaker, text) in enumerate(turns):
        words = [{"start": 4.0 * i + 0.3 * k, "end": 4.0 * i + 0.3 * (k + 1), "word": " " + token,
                  "probability": 0.9} for k, token in enumerate(text.split())]
        segments.append({"start": 4.0 * i, "end": words[-1]["end"], "speaker": speaker, "text": text,
                         "words": words})
    return {"language": "en", "audio_duration_s": 4.0 * len(turns), "channels": 2, "segments": segments}


@pytest.mark.models
@pytest.mark.parametrize("text, value", [
    ("Account four four one two. It's Nadia Okafor.", "Nadia Okafor"),
    ("Sure, the name's Ines Carvalho.", "Ines Carvalho"),
    ("Nadia Okafor, the fourth of July, nineteen eighty-one.", "Nadia Okafor"),
    ("Sophie Duval, twelfth of March, nineteen ninety.", "Sophie Duval"),
])
def test_a_full_name_where_the_caller_identifies_is_redacted(english_analyzer, text, value):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert find_leaks([value], redacted) == [], redacted
    assert "<PERSON>" in redacted


@pytest.mark.models
def test_the_first_name_of_an_identified_caller_is_redacted_later_in_the_call(english_analyzer):
    transcript = call(("agent", "Can I take your full name and date of birth?"),
                      ("client", "Chloe Marchand, fifth of May, nineteen ninety."),
                      ("agent", "Thanks Chloe, that's all sorted."))
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
    texts = " ".join(s["text"] for s in out["segments"])
    assert "Chloe" not in texts and "Marchand" not in texts


@pytest.mark.models
@pytest.mark.parametrize("text", [
    "It's Monday Morning for you then.",  # days are no names
    "Hi, this is Greenleaf Bank's fraud team.",  # a possessive company is no caller
])
def test_identification_phrases_without_a_name_are_left_alone(english_analyzer, text):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "Monday Morning" in redacted or "Greenleaf Bank" in redacted


@pytest.mark.models
@pytest.mark.parametrize("text, value", [
    ("My national insurance number is J K one two three four five six D.", "123456"),
    ("The licence is A B nine eight seven six five four three.", "9876543"),
])
def test_a_reference_spelled_with_letters_and_digits_is_redacted(english_analyzer, text, value):
    redacted, spans = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert find_leaks([value], redacted) == [], redacted
    assert "ID_NUMBER" in {s["entity_type"] for s in spans} or "DIGIT_RUN" in {s["entity_type"] for s in spans}


@pytest.mark.parametrize("text", ["The policy prefix is L L 603.", "Your code is K N 7.", "Plan B 2024 1"])
def test_a_short_spelled_code_is_no_identifier(text):
    assert SpelledIdRecognizer().analyze(text, [SPELLED_ID]) == []


@pytest.mark.models
@pytest.mark.parametrize("text, street", [
    ("It's 14 Chestnut Rise, flat two.", "Chestnut"),
    ("I live at nine Kingfisher Park now.", "Kingfisher"),
    ("Send it to forty Orchard Green please.", "Orchard"),
    ("We moved to two Bellevue Heights.", "Bellevue"),
])
def test_streets_whose_type_is_an_ordinary_word_are_redacted(english_analyzer, text, street):
    redacted, spans = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert street not in redacted, redacted


@pytest.mark.models
@pytest.mark.parametrize("text", ["We have two car park spaces.", "It has a lovely sea view."])
def test_ordinary_park_and_view_are_kept(english_analyzer, text):
    assert redact_text(english_analyzer, text, ENGLISH_POLICY) == (text, [])


@pytest.mark.models
@pytest.mark.parametrize("text, name", [
    ("Thank you Maeve, which card was it on?", "Maeve"),
    ("You're very welcome, Yusuf. Bye for now.", "Yusuf"),
    ("Thanks, Ffion.", "Ffion"),
    ("Bye now, Saoirse.", "Saoirse"),
])
def test_a_first_name_the_caller_is_addressed_by_is_redacted(english_analyzer, text, name):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert name not in redacted, redacted


@pytest.mark.models
def test_an_addressed_name_is_swept_from_the_rest_of_the_call(english_analyzer):
    # ASR cut the caller's full name off; only the agent's "thank you, Ines" gives it away.
    transcript = call(("client", "That charge wasn't me. Ines"), ("agent", "Thank you Ines, which card was it on?"))
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
    assert all("Ines" not in s["text"] for s in out["segments"])


@pytest.mark.models
@pytest.mark.parametrize("question, answer, value", [
    ("Could I have your surname and postcode?", "Pemberton-Shaw, B15 2TT.", "Pemberton-Shaw"),
    ("And who am I speaking to?", "Yes, Gwendolyn Ashcroft.", "Gwendolyn Ashcroft"),
    ("What's the full name on the account?", "Tobias Whitlock.", "Tobias Whitlock"),
])
def test_a_name_answering_the_question_for_it_is_redacted(english_analyzer, question, answer, value):
    """No cue in the answer itself: the question makes it a name (spaCy alone lets a hyphenated
    surname through; the others it happens to know)."""
    redacted = redact_transcript(english_analyzer, call(("agent", question), ("client", answer),
                                                        ("agent", "Thanks, I have it here.")), ENGLISH_POLICY)
    texts = [s["text"] for s in redacted["segments"]]
    assert "<PERSON>" in texts[1] and find_leaks([value], " ".join(texts)) == [], texts


@pytest.mark.models
def test_an_answer_that_is_not_a_name_is_kept(english_analyzer):
    redacted = redact_transcript(english_analyzer, call(("agent", "Could I have your name please?"),
                                                        ("client", "Sure."), ("client", "Sorry, one moment.")),
                                 ENGLISH_POLICY)
    assert [s["text"] for s in redacted["segments"]][1:] == ["Sure.", "Sorry, one moment."]


@pytest.mark.models
@pytest.mark.parametrize("question, answer, value", [
    ("What name's the reservation under?", "Priya Natarajan.", "Priya Natarajan"),
    ("Which name is the order in?", "It's Tomasz Wierzbicki.", "Tomasz Wierzbicki"),
    ("Whose name is the account in?", "R. Okonkwo-Baines.", "Okonkwo-Baines"),
    ("And who's it booked under?", "Yeah, Ffion Llewellyn.", "Ffion Llewellyn"),
    ("What names the table booked under?", "Oluwaseun Adeyemi.", "Oluwaseun Adeyemi"),  # ASR lost the apostrophe
])
def test_a_name_answering_what_name_it_is_under_is_redacted(english_analyzer, question, answer, value):
    redacted = redact_transcript(english_analyzer, call(("agent", question), ("client", answer),
                                                        ("agent", "Lovely, found it.")), ENGLISH_POLICY)
    texts = [s["text"] for s in redacted["segments"]]
    assert "<PERSON>" in texts[1] and find_leaks([value], " ".join(texts)) == [], texts
    assert texts[2] == "Lovely, found it."


@pytest.mark.models
def test_an_answer_to_what_name_that_is_no_name_is_kept(english_analyzer):
    redacted = redact_transcript(english_analyzer, call(("agent", "What name's the booking under?"),
                                                        ("client", "Sorry, hang on."), ("client", "Okay.")),
                                 ENGLISH_POLICY)
    assert [s["text"] for s in redacted["segments"]][1:] == ["Sorry, hang on.", "Okay."]


@pytest.mark.models
@pytest.mark.parametrize("text, surname", [
    ("The parcel is addressed to a K Whitmore, is that your mum?", "Whitmore"),
    ("It's registered to T. Oyelaran at that address.", "Oyelaran"),
    ("I've got a letter here for Mr J Pilkington.", "Pilkington"),
    ("The delivery's for a P-Kowalczyk, is that right?", "Kowalczyk"),  # ASR hyphenated the initial
])
def test_an_initial_and_surname_are_redacted(english_analyzer, text, surname):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert "<PERSON>" in redacted and find_leaks([surname], redacted) == [], redacted


@pytest.mark.models
def test_an_initial_surname_is_swept_from_the_rest_of_the_call(english_analyzer):
    out = redact_transcript(english_analyzer, call(("agent", "The account is for a P Hargreaves, is that you?"),
                                                   ("client", "Yes, Hargreaves, that's me.")), ENGLISH_POLICY)
    assert all("Hargreaves" not in s["text"] for s in out["segments"])


@pytest.mark.models
@pytest.mark.parametrize("text", [
    "I'm on Plan B Premium at the moment.",  # no word saying whom it is for
    "A Friday delivery would suit me.",  # "A" is the article, Friday no name
    "It's a C Class, the grey one.",
    "I went for an X-Ray and got a T-Mobile contract.",  # hyphenated, but no names  # "a" after "it's" makes it a thing, not a person
])
def test_a_capital_letter_before_a_word_is_no_initial_without_a_cue(english_analyzer, text):
    assert redact_text(english_analyzer, text, ENGLISH_POLICY)[0] == text


@pytest.mark.models
@pytest.mark.parametrize("turns, value", [
    # a surname after its cue, with no first name beside it
    ((("agent", "Can I take the postcode?"), ("client", "Postcode's LS6 2PQ and the surname's Braithwaite.")),
     "Braithwaite"),
    # the request as a bare word, answered with the name first
    ((("agent", "Surname, and the first line of the address?"), ("client", "Thackeray, the old mill cottages.")),
     "Thackeray"),
])
def test_a_surname_said_after_its_cue_or_asked_for_in_one_word_is_redacted(english_analyzer, turns, value):
    out = redact_transcript(english_analyzer, call(*turns), ENGLISH_POLICY)
    texts = " ".join(s["text"] for s in out["segments"])
    assert find_leaks([value], texts) == [], texts


@pytest.mark.models
def test_talk_about_a_surname_without_one_is_left_alone(english_analyzer):
    transcript = call(("agent", "Surname's spelled wrong on the letter, I'm afraid."),
                      ("client", "Right, can you change it?"))
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
    assert [s["text"] for s in out["segments"]] == ["Surname's spelled wrong on the letter, I'm afraid.",
                                                   "Right, can you change it?"]


@pytest.mark.models
@pytest.mark.parametrize("text, values", [
    # letters said one by one with commas between them, and the word they spell said just before
    ("The surname's Ottaway, that's O, T, T, A, W, A, Y.", ["Ottaway", "O, T, T, A, W, A, Y"]),
    ("My answer would be Marmalade. M, A, R, M, A, L, A, D, E. It was the cat.", ["Marmalade", "M, A, R, M, A"]),
])
def test_letters_spelled_with_commas_and_the_word_they_spell_are_redacted(english_analyzer, text, values):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert find_leaks(values, redacted) == [], redacted


@pytest.mark.models
@pytest.mark.parametrize("text", ["We've got sizes S, M and L in that one.", "Choose option A, B or C on the keypad."])
def test_a_short_list_of_letters_is_not_a_spelling(english_analyzer, text):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert redacted == text


@pytest.mark.parametrize("answer, name", [
    # first names the NER misses in these sentences
    ("Hello, Rhiannon speaking.", "Rhiannon"),
    ("Hello, Maya speaking.", "Maya"),
    ("Yes, hi, my name's Leanne, I rang earlier.", "Leanne"),
])
def test_a_name_someone_gives_as_their_own_is_redacted(english_analyzer, answer, name):
    out = redact_transcript(english_analyzer, call(
        ("client", answer), ("agent", "Hi, it's Mark calling from Fernhill Dental about your check-up.")),
        ENGLISH_POLICY)
    assert find_leaks([name], out["segments"][0]["text"]) == [], out["segments"][0]["text"]


@pytest.mark.parametrize("answer", ["Reception speaking.", "Yes, speaking."])
def test_a_department_or_a_question_is_no_name_given(english_analyzer, answer):
    out = redact_transcript(english_analyzer, call(("client", answer), ("agent", "Hi, it's Mark from Fernhill Dental.")),
                            ENGLISH_POLICY)
    assert "<PERSON>" not in out["segments"][0]["text"], out["segments"][0]["text"]


@pytest.mark.parametrize("text, name", [
    ("Good morning, am I speaking to Tobias Wrenfield?", "Tobias Wrenfield"),
    ("Hi there, is that Mrs Philippa Ashdown? It's Kit from Larchmere Opticians.", "Philippa Ashdown"),
    ("Hello, is that Mr. Kwame Boateng?", "Kwame Boateng"),
    ("Could I speak to Anouk, please?", "Anouk"),
    # ASR splits a surname it does not know into lower-case words
    ("Hello, am I speaking to Oluwaseun a deebio?", "Oluwaseun a deebio"),
])
def test_the_person_an_agent_asks_for_is_a_name(text, name):
    from agents.redact.identity import CallerNameRecognizer

    found = {text[r.start:r.end] for r in CallerNameRecognizer().analyze(text, ["PERSON"])}
    assert name in found, found


@pytest.mark.parametrize("text", [
    "Is that Tuesday?", "Is that right?", "Is that Visa or Mastercard?", "Am I speaking to the account holder?",
    "Is that okay with you?", "Can I talk to someone about my bill?", "Is that the Harbour Street address?",
    "Hi, is this Brightmoor Broadband billing?", "Morning, is that Fernlea Dental?",
])
def test_a_question_that_asks_for_no_one_names_no_one(text):
    from agents.redact.identity import CallerNameRecognizer

    assert CallerNameRecognizer().analyze(text, ["PERSON"]) == [], text
