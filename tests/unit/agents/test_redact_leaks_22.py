"""Session 22 redaction leaks (issue 8): a name the agent says back at the start of a turn after
asking for it, a first name right before a found surname, "I'm" and a name, a bare street answering
an ask for the address, a postcode the caller introduces, the answer after a fragment or a
mislabelled turn. Every line here is written for these tests; each reading has a near-twin, an
ordinary turn that stays."""
from __future__ import annotations

from agents.redact import ENGLISH_POLICY, redact_transcript
from agents.redact.answered import answered_postcodes, answered_streets, echoed_names
from agents.redact.call_memory import names_beside_names
from agents.redact.identity import answers, self_named
from agents.redact.identity import NAME_REQUEST
from tests.unit.agents.test_redact import make_segment


def redacted(*turns: tuple[str, str], keep: tuple[str, ...] = ()) -> list[str]:
    from agents.redact.agent import analyzer_for

    segments = [make_segment(text, 12.0 * i, speaker) for i, (speaker, text) in enumerate(turns)]
    transcript = {"language": "en", "audio_duration_s": 12.0 * len(turns), "channels": 2, "segments": segments}
    return [s["text"] for s in redact_transcript(analyzer_for("en"), transcript, ENGLISH_POLICY, keep)["segments"]]


def spans_text(segments: list[dict], found: dict[int, list[tuple[int, int]]]) -> dict[int, list[str]]:
    return {i: [segments[i]["text"][a:b] for a, b in spans] for i, spans in found.items()}


def test_the_agent_saying_the_name_back_after_asking_for_it_is_the_name():
    segments = [make_segment("Sure, and who am I speaking to?", 0.0, "agent"),
                make_segment("It's, um, oh the line's bad.", 3.0, "client"),
                make_segment("Pemberton. Right, let me bring that up.", 6.0, "agent")]
    assert spans_text(segments, echoed_names(segments)) == {2: ["Pemberton"]}


def test_an_ordinary_acknowledgement_after_asking_for_a_name_stays():
    segments = [make_segment("Sure, and who am I speaking to?", 0.0, "agent"),
                make_segment("It's, um, oh the line's bad.", 3.0, "client"),
                make_segment("Lovely. Right, let me bring that up.", 6.0, "agent")]
    assert echoed_names(segments) == {}
    later = [make_segment("How long has the boiler been off?", 0.0, "agent"),
             make_segment("Since Friday.", 3.0, "client"),
             make_segment("Okay. Plumber's booked.", 6.0, "agent")]
    assert echoed_names(later) == {}


def test_a_first_name_right_before_a_found_surname_goes_too():
    text = "She won't pick up for strangers. Maisie Okonkwo-Hart. She's ninety."
    start = text.index("Okonkwo")
    assert [text[a:b] for a, b in names_beside_names(text, [(start, start + len("Okonkwo-Hart"))])] == ["Maisie"]
    shop = "It's Jade from Fluffy Tails Grooming, I've got your dog here."
    start = shop.index("Tails")
    assert "Fluffy" not in [shop[a:b] for a, b in names_beside_names(shop, [(start, start + len("Tails"))])]


def test_a_greeting_word_before_a_surname_stays():
    text = "Right Pemberton, that's all sorted."
    start = text.index("Pemberton")
    assert names_beside_names(text, [(start, start + len("Pemberton"))]) == []


def test_a_mac_surname_is_joined_to_the_first_name_before_it():
    text = "Gordon MacLeish, and it's the flat upstairs."
    assert [text[a:b] for a, b in names_beside_names(text, [(0, 6)])] == ["MacLeish"]


def test_im_and_a_name_closing_the_clause_is_a_name():
    segments = [make_segment("He's out at work, I'm Priyanka, his sister.", 0.0, "client"),
                make_segment("I'm Sorry, I didn't catch that.", 3.0, "client"),
                make_segment("I'm Not.", 6.0, "client")]
    assert spans_text(segments, self_named(segments, "en")) == {0: ["Priyanka"]}


def test_a_bare_street_answering_an_ask_for_the_address_is_the_address():
    segments = [make_segment("And the first line of the address?", 0.0, "agent"),
                make_segment("Pollard Heath.", 3.0, "client")]
    assert spans_text(segments, answered_streets(segments)) == {1: ["Pollard Heath"]}


def test_talk_answering_an_ask_for_the_address_stays():
    for reply in ("Same as before.", "Hang on a sec.", "Why, has it changed?", "Yes."):
        segments = [make_segment("And the first line of the address?", 0.0, "agent"),
                    make_segment(reply, 3.0, "client")]
        assert answered_streets(segments) == {}, reply


def test_a_postcode_the_caller_introduces_is_the_postcode():
    segments = [make_segment("We're at number nine and the postcode is the L3 9xq.", 0.0, "client")]
    assert spans_text(segments, answered_postcodes(segments)) == {0: ["L3 9xq"]}
    quiet = [make_segment("The postcode is on the letter somewhere, it's 3 weeks old.", 0.0, "client")]
    assert answered_postcodes(quiet) == {}


def test_the_answer_comes_after_a_fragment_of_the_askers_turn():
    segments = [make_segment("Can I take your surname?", 0.0, "agent"),
                make_segment("It's", 3.0, "agent"),
                make_segment("Trelawney.", 4.0, "client")]
    assert [i for i, _ in answers(segments, NAME_REQUEST["en"])] == [2]


def test_an_ask_closing_a_turn_is_answered_by_the_next_turn_whoever_it_is_labelled():
    segments = [make_segment("Right, and your surname, please.", 0.0, "client"),
                make_segment("Trelawney.", 3.0, "client")]
    assert [i for i, _ in answers(segments, NAME_REQUEST["en"], question=False)] == [1]
    going_on = [make_segment("What's your surname? I'll find the account.", 0.0, "agent"),
                make_segment("Bear with me.", 3.0, "agent")]
    assert list(answers(going_on, NAME_REQUEST["en"], question=False)) == []


def test_whole_calls_redact_the_echo_and_keep_the_company():
    texts = redacted(("agent", "Morning, Brightlane Homes, how can I help?"),
                     ("client", "Hi, I'm chasing a repair."),
                     ("agent", "No problem, what's your name?"),
                     ("client", "Err, it's, sorry, hang on."),
                     ("agent", "Fairweather. Yep, found you."),
                     keep=("Brightlane Homes",))
    assert texts[0] == "Morning, Brightlane Homes, how can I help?"
    assert "Fairweather" not in texts[4] and texts[4].endswith("Yep, found you.")


def test_a_name_introduced_late_on_the_agents_side_is_not_kept_as_the_agents():
    texts = redacted(("agent", "Hello, Brightlane Homes, Priya speaking, how can I help?"),
                     ("client", "Hi Priya, the boiler's gone again."),
                     ("agent", "Oh no, sorry to hear that."),
                     ("client", "Third time this month."),
                     ("agent", "Let me look."),
                     ("client", "Fine."),
                     ("agent", "Right, my name's Rosalind Quarrie and you can ring me back on this line."),
                     keep=("Brightlane Homes",))
    assert "Priya" in texts[0] and "Rosalind" not in texts[6]


# --- Russian ---------------------------------------------------------------------------------------
def test_a_russian_word_beside_a_found_name_is_part_of_it():
    from agents.redact.call_memory import names_beside_names

    text = "вижу, гаврилово Нина, всё сходится."
    start = text.index("Нина")
    assert [text[a:b] for a, b in names_beside_names(text, [(start, start + 4)])] == ["гаврилово"]
    plain = "Спасибо, Нина, всё верно."
    start = plain.index("Нина")
    assert names_beside_names(plain, [(start, start + 4)]) == []


def test_a_russian_street_named_after_the_word_address_or_capitalised_inside_a_sentence():
    from agents.redact.answered import named_address_ru
    from agents.redact.russian import natasha_models

    morph = natasha_models()["morph"]
    text = "Так, адрес липовая, девять, всё верно."
    assert [text[a:b] for a, b in named_address_ru(text, morph)] == ["липовая, девять"]
    inside = "Отгрузили на Заречную четырнадцать вчера."
    assert [inside[a:b] for a, b in named_address_ru(inside, morph)] == ["Заречную четырнадцать"]
    assert named_address_ru("Адрес почты пришлю через минут 20.", morph) == []


def test_a_russian_street_type_with_a_comma_before_its_name():
    from agents.redact.answered import street_type_then_name
    from agents.redact.russian import natasha_models

    text = "нашёл, проспект, строителей, семь."
    assert [text[a:b] for a, b in street_type_then_name(text, natasha_models()["morph"])] == ["проспект, строителей"]


def test_a_number_said_after_its_documents_name_or_alone_in_a_turn():
    from agents.redact.russian_details import answered_numbers_ru

    segments = [make_segment("Добрый день, номер заявки. Четыреста двенадцать, шестьдесят пять.", 0.0, "client"),
                make_segment("Так. Лицевой счёт.", 3.0, "agent"),
                make_segment("Девять, один, четыре, два, восемь", 6.0, "client"),
                make_segment("А сколько вы заплатили?", 9.0, "agent"),
                make_segment("18 400", 12.0, "client"),
                make_segment("В 18 40 приедут.", 15.0, "agent")]
    found = spans_text(segments, answered_numbers_ru(segments))
    assert found == {0: ["Четыреста двенадцать, шестьдесят пять"], 2: ["Девять, один, четыре, два, восемь"]}
    said = [make_segment("Лицевой счёт я потом найду.", 0.0, "agent"), make_segment("Девять, один, четыре, два, восемь", 3.0, "client")]
    assert answered_numbers_ru(said) == {}


def test_a_russian_caller_greeting_and_saying_who_they_are():
    from agents.redact.answered import russian_greeted_self_named

    text = "Алло, здравствуйте, это пряхино ульяна, я у вас заказывала."
    assert [text[a:b] for a, b in russian_greeted_self_named(text)] == ["пряхино", "ульяна"]
    assert russian_greeted_self_named("Здравствуйте, это очень срочно.") == []


def test_an_ask_for_someone_elses_name_is_an_ask_for_a_name():
    segments = [make_segment("Can I take the leaseholder's name and postcode?", 0.0, "agent"),
                make_segment("Please. Morwenna Tregothnan, TR1 2AB.", 3.0, "client")]
    assert [i for i, _ in answers(segments, NAME_REQUEST["en"])] == [1]
    assert not NAME_REQUEST["en"].search("Is the builder's van outside?")


def test_a_title_before_a_surname_is_no_first_name():
    text = "It's about the appointment with Doctor Venkataraman."
    start = text.index("Venkataraman")
    assert names_beside_names(text, [(start, start + len("Venkataraman"))]) == []
