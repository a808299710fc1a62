from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from agents.redact import (ENGLISH_POLICY, RUSSIAN_POLICY, build_analyzer, normalise_spoken_numbers,
                           policy_for, redact_text, redact_transcript)
from agents.redact.recognizers import classify_digit_run, luhn_valid
from agents.redact.text import Finding, apply_redaction, merge_findings
from agents.redact.transcript import redact_words
from agents.redact.agent import analyzer_for
from agents.asr import transcribe_file
from agents.transcribe import asr_plan, load_model
from catalog.projects import load_catalog
from streams.settings import Settings
from aica.samples import find_leaks, load_samples, render_sample
from schemas.registry import decode, encode

PLACEHOLDER = re.compile(r"<[A-Z_]+>")


def make_segment(text: str, start: float, speaker: str = "unknown") -> dict:
    """A segment shaped like faster-whisper output: words carry a leading space, 0.3 s each."""
    words = [{"start": round(start + 0.3 * i, 3), "end": round(start + 0.3 * (i + 1), 3),
              "word": " " + token, "probability": 0.9 - 0.01 * i}
             for i, token in enumerate(text.split())]
    return {"start": start, "end": words[-1]["end"], "speaker": speaker, "text": text,
            "words": words}


def assert_spans_point_at_placeholders(text: str, spans: list[dict]) -> None:
    assert [text[s["start"]:s["end"]] for s in spans] == [f"<{s['entity_type']}>" for s in spans]
    assert len(spans) == len(PLACEHOLDER.findall(text))


# --- pure parts -------------------------------------------------------------------------

def test_dictated_digits_become_digits_and_map_back_to_the_words():
    text = "Yes, it is five five five, two one eight, four four nine zero."
    normalised = normalise_spoken_numbers(text)
    assert normalised.text == "Yes, it is 5552184490."
    start = normalised.text.index("5552184490")
    begin, end = normalised.to_original(start, start + 10)
    assert text[begin:end] == "five five five, two one eight, four four nine zero"


@pytest.mark.parametrize("text, expected", [
    ("call me on double five one twenty three", "call me on 55123"),
    ("Oh, five minutes please", "Oh, five minutes please"),  # interjection, one number word
    ("we have two kids and 2024 was busy", "we have two kids and 2024 was busy"),
    ("номер восемь девять один шесть", "номер 8916"),
])
def test_normalisation_touches_only_dictated_runs(text, expected):
    assert normalise_spoken_numbers(text).text == expected


def test_double_maps_back_to_both_words():
    text = "double five"
    normalised = normalise_spoken_numbers(text)
    assert normalised.text == "55" and normalised.to_original(0, 2) == (0, len(text))


def test_digit_runs_are_classified_by_length_and_luhn():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert classify_digit_run("4111111111111111") == "CREDIT_CARD"
    assert classify_digit_run("4111111111111112") == "DIGIT_RUN"
    assert classify_digit_run("2184490") == "DIGIT_RUN"
    assert classify_digit_run("218449") is None


def test_overlaps_merge_and_the_specific_type_beats_the_digit_run_fallback():
    merged = merge_findings([Finding(10, 20, "DIGIT_RUN", 0.5), Finding(12, 22, "PHONE_NUMBER", 0.4),
                             Finding(30, 35, "PERSON", 0.85)])
    assert merged == [Finding(10, 22, "PHONE_NUMBER", 0.5), Finding(30, 35, "PERSON", 0.85)]


def test_apply_redaction_places_spans_on_the_placeholders():
    text = "Ann Lee paid with 4111111111111111 today"
    redacted, spans = apply_redaction(text, [Finding(0, 7, "PERSON", 0.85),
                                             Finding(18, 34, "CREDIT_CARD", 1.0)])
    assert redacted == "<PERSON> paid with <CREDIT_CARD> today"
    assert_spans_point_at_placeholders(redacted, spans)


def test_words_covered_by_one_entity_become_one_timed_placeholder():
    words = make_segment("I am Margaret Collins, thanks.", 2.0)["words"]
    joined = "".join(w["word"] for w in words)
    start = joined.index("Margaret")
    out = redact_words(words, [Finding(start, start + len("Margaret Collins"), "PERSON", 0.85)])
    assert [w["word"] for w in out] == [" I", " am", " <PERSON>,", " thanks."]
    assert (out[2]["start"], out[2]["end"]) == (words[2]["start"], words[3]["end"])
    assert out[2]["probability"] == min(words[2]["probability"], words[3]["probability"])


def test_policies_keep_dates_for_the_analysis():
    assert "DATE_TIME" not in ENGLISH_POLICY.entities
    assert {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
            "LOCATION"} <= set(ENGLISH_POLICY.entities)
    assert policy_for("ru") is RUSSIAN_POLICY and ENGLISH_POLICY.version.startswith("en-")
    with pytest.raises(ValueError):
        policy_for("xx")


# --- with the real Presidio + spaCy analyzer ----------------------------------------------

PLANTED = {
    "My name is Margaret Collins and I live in Chicago.": ["Margaret Collins", "Chicago"],
    "Call me back on 555-218-4490 please.": ["555-218-4490"],
    "Yes, it is five five five, two one eight, four four nine zero.":
        ["five five five, two one eight, four four nine zero"],
    "My email is thomas.reed@example.com, thanks.": ["thomas.reed@example.com"],
    "It's thomas dot reed at example dot com.": ["thomas dot reed at example dot com"],
    "The card is 4111 1111 1111 1111.": ["4111 1111 1111 1111"],
    "Okay, 4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1.": ["4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1"],
    "My IBAN is GB82 WEST 1234 5698 7654 32.": ["GB82 WEST 1234 5698 7654 32"],
    # "nought" is how many British callers say a zero; it must not cut the number in two.
    "It's oh seven seven nought nine, one two three, four five six.": ["nine, one two three, four five six"],
}


@pytest.mark.models
@pytest.mark.parametrize("text", PLANTED)
def test_planted_values_are_replaced_by_placeholders(english_analyzer, text):
    redacted, spans = redact_text(english_analyzer, text, ENGLISH_POLICY)
    for value in PLANTED[text]:
        assert value not in redacted
    assert not re.search(r"\d{3}", redacted)  # no digit run survives
    assert spans
    assert_spans_point_at_placeholders(redacted, spans)


@pytest.mark.models
def test_a_benign_sentence_is_unchanged(english_analyzer):
    text = "The refund will reach your account within three business days, by Friday."
    assert redact_text(english_analyzer, text, ENGLISH_POLICY) == (text, [])


@pytest.mark.models
def test_transcript_is_redacted_in_text_and_words_with_timestamps_kept(english_analyzer):
    segments = [
        make_segment("Good morning, Northwind Energy, how can I help?", 0.0, "agent"),
        make_segment("Hi, this is Margaret Collins calling about my bill.", 3.0, "client"),
        make_segment("My number is five five five, two one eight, four four nine zero.", 7.0, "client"),
        make_segment("Thank you Mrs collins, the refund is issued.", 12.0, "agent"),
    ]
    transcript = {"language": "en", "audio_duration_s": 16.0, "channels": 2, "segments": segments}
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)

    secrets = ["margaret", "collins", "five", "two one", "nine zero"]
    for segment in out["segments"]:
        spoken = (segment["text"] + "".join(w["word"] for w in segment["words"])).lower()
        assert not [s for s in secrets if s in spoken]
    assert out["segments"][0]["text"] == segments[0]["text"]  # nothing to redact there
    for before, after in zip(segments, out["segments"]):
        assert (after["start"], after["end"], after["speaker"]) == (
            before["start"], before["end"], before["speaker"])
        assert after["words"][0]["start"] == before["words"][0]["start"]
        assert after["words"][-1]["end"] == before["words"][-1]["end"]
        assert "".join(w["word"] for w in after["words"]).strip() == after["text"]
    phone_word = next(w for w in out["segments"][2]["words"] if "<" in w["word"])
    assert (phone_word["start"], phone_word["end"]) == (
        segments[2]["words"][3]["start"], segments[2]["words"][12]["end"])
    assert {e["segment"] for e in out["entities"]} == {1, 2, 3}  # "collins" found again in 3
    for index, segment in enumerate(out["segments"]):
        assert_spans_point_at_placeholders(
            segment["text"], [e for e in out["entities"] if e["segment"] == index])


@pytest.mark.models
def test_words_that_do_not_spell_the_text_are_redacted_on_their_own(english_analyzer):
    segment = make_segment("My email is thomas.reed@example.com thanks", 0.0)
    segment["text"] = "My e-mail is thomas.reed@example.com, thanks."
    out = redact_transcript(english_analyzer, {"language": "en", "audio_duration_s": 3.0,
                                               "channels": 1, "segments": [segment]},
                            ENGLISH_POLICY)
    words = "".join(w["word"] for w in out["segments"][0]["words"])
    assert "thomas" not in words and "<EMAIL_ADDRESS>" in words
    assert "thomas" not in out["segments"][0]["text"]


@pytest.mark.models
def test_redacted_transcript_fits_the_avro_contract(english_analyzer):
    transcript = {"language": "en", "audio_duration_s": 4.0, "channels": 1,
                  "segments": [make_segment("I am Peter Novak from Boston.", 0.0)]}
    body = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
    context = {"call_id": "m1.7", "member_id": "m1", "domain": "example.bitrix24.com",
               "activity_id": 7, "project": "default", "language": "en",
               "direction": "outgoing", "bindings": [],
               "versions": {"redaction": ENGLISH_POLICY.version}}
    record = {"context": context, "audio_uri": "file:///blobs/m1.7.wav",
              "redacted_at": datetime.now(timezone.utc), **body}
    decoded = decode("aica.RedactedTranscript", encode("aica.RedactedTranscript", record))
    assert decoded["segments"][0]["text"] == "I am <PERSON> from <LOCATION>."
    assert [e["entity_type"] for e in decoded["entities"]] == ["PERSON", "LOCATION"]


def test_russian_patterns_without_an_nlp_model():
    analyzer = build_analyzer("ru")
    text = "Мой номер +7 916 123-45-67, почта ivan.petrov@mail.ru, карта 4111 1111 1111 1111."
    redacted, spans = redact_text(analyzer, text, RUSSIAN_POLICY)
    assert redacted == "Мой номер <PHONE_NUMBER>, почта <EMAIL_ADDRESS>, карта <CREDIT_CARD>."
    assert_spans_point_at_placeholders(redacted, spans)


@pytest.mark.models
@pytest.mark.parametrize("sample", load_samples(), ids=lambda s: s.id)
def test_no_planted_value_survives_transcription_and_redaction(sample, whisper_model,
                                                               english_analyzer, tmp_path_factory):
    audio = render_sample(sample, tmp_path_factory.getbasetemp() / "samples")
    project = load_catalog(Settings()).resolve("m1", sample.line)
    assert project.language == sample.language
    plan = asr_plan(Settings(), sample.language, project)
    model = whisper_model if plan.model == "tiny.en" else load_model(Settings(), plan.model)
    analyzer = english_analyzer if sample.language == "en" else analyzer_for(sample.language)
    out = redact_transcript(analyzer, transcribe_file(model, audio, plan.language,
                                                      hotwords=plan.hotwords),
                            policy_for(sample.language), project.redaction_keep_terms)
    stored = " ".join(s["text"] + " " + "".join(w["word"] for w in s["words"])
                      for s in out["segments"])
    assert stored.strip() and find_leaks(sample.planted_pii, stored) == []


# --- street addresses and redaction precision (company, agent's own name) -------------------

@pytest.mark.models
@pytest.mark.parametrize("text, value", [
    ("I moved to twelve Harbour Street last month.", "twelve Harbour Street"),
    ("Send it to 42 Baker Street, apartment 5, please.", "42 Baker Street, apartment 5"),
    ("it's forty two baker street flat three", "baker street flat three"),
])
def test_street_addresses_are_redacted(english_analyzer, text, value):
    redacted, spans = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert value.split()[-1] not in redacted.split() or "<" in redacted
    assert "Harbour" not in redacted and "Baker" not in redacted and "baker" not in redacted
    assert "ADDRESS" in {s["entity_type"] for s in spans}


@pytest.mark.models
@pytest.mark.parametrize("text", ["It is a two hour drive from here.", "That is one way to do it."])
def test_quantities_are_not_taken_for_addresses(english_analyzer, text):
    assert redact_text(english_analyzer, text, ENGLISH_POLICY) == (text, [])


GREETING = "Good morning, thank you for calling Northwind Energy, my name is Daniel. How can I help?"


def call(*segments: tuple[str, str]) -> dict:
    return {"language": "en", "audio_duration_s": 30.0, "channels": 1,
            "segments": [make_segment(text, 4.0 * i, speaker)
                         for i, (speaker, text) in enumerate(segments)]}


@pytest.mark.models
@pytest.mark.parametrize("speaker", ["agent", "unknown"])
def test_company_and_agents_introduced_name_are_kept(english_analyzer, speaker):
    other = "client" if speaker == "agent" else "unknown"
    transcript = call((speaker, GREETING),
                      (other, "Hi Daniel, my name is Margaret Collins, I was charged twice."),
                      (speaker, "Thank you Mrs Collins, I have issued a refund."))
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY, ("Northwind Energy",))
    texts = [s["text"] for s in out["segments"]]
    assert texts[0] == GREETING  # greeting check can see the company and the agent's name
    assert "Northwind Energy" in "".join(w["word"] for w in out["segments"][0]["words"])
    assert find_leaks(["Margaret Collins"], " ".join(texts)) == []
    # The caller greeting the agent back by that name keeps it there (en-2026.12-17); the rest of
    # the caller's side is still redacted.
    assert texts[1].startswith("Hi Daniel, my name is <PERSON>")


@pytest.mark.models
def test_keep_terms_decide_whether_a_company_name_taken_for_a_person_stays(english_analyzer):
    text = "I have been with Northwind for years, says Margaret Collins."
    assert "Northwind" not in redact_text(english_analyzer, text, ENGLISH_POLICY)[0]
    kept, spans = redact_text(english_analyzer, text, ENGLISH_POLICY, ("Northwind",))
    assert kept == "I have been with Northwind for years, says <PERSON>."
    assert_spans_point_at_placeholders(kept, spans)


@pytest.mark.models
def test_the_customers_introduction_is_never_kept(english_analyzer):
    # Stereo: the client says "my name is"; mono: a later turn that is no greeting.
    stereo = call(("agent", GREETING), ("client", "Hello, my name is Peter Novak."))
    glued = call(("unknown", "Hello, Bluebird Travel, how can I help? Hi, I am Peter Novak."))
    mono = call(("unknown", "Hello?"), ("unknown", "Yes, my name is Peter Novak."),
                ("unknown", "Hold on please."),
                ("unknown", "Thank you for calling Northwind Energy, my name is Daniel."),
                ("unknown", "Hi, this is Peter Novak again."))
    for transcript in (stereo, glued, mono):
        out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY, ("Northwind Energy",))
        assert find_leaks(["Peter Novak"], " ".join(s["text"] for s in out["segments"])) == []
    # On a mono call only a greeting among the first three turns keeps a name.
    assert "Daniel" not in out["segments"][3]["text"]


def test_a_greeting_caught_inside_a_name_is_not_swept_through_the_call():
    """A caller's "Morning Grace." tagged as one PERSON must not turn the agent's "Good morning"
    into "Good <PERSON>" (then the greeting check fails), while the name part still recurs."""
    from agents.redact.transcript import collect_known_values

    text = "Morning Grace. I've moved flat."
    known = collect_known_values(text, [Finding(0, 13, "PERSON", 0.85)])
    assert known == {"PERSON": {"Morning Grace", "Grace"}}
    text_ru = "Здравствуйте Анна Петрова."
    assert collect_known_values(text_ru, [Finding(0, 25, "PERSON", 0.85)])["PERSON"] == {
        "Здравствуйте Анна Петрова", "Анна", "Петрова"}


@pytest.mark.models
def test_a_long_number_said_during_card_talk_is_a_card_number_even_with_asr_slips(english_analyzer):
    """As ASR gives them: digits lost (13 left, Luhn broken), a read-back split by full stops that
    reads as a phone number. Both are labelled cards (the read-back check looks for <CREDIT_CARD>);
    a long number with no card talk nearby stays a digit run."""
    transcript = call(("agent", "It's 60 pounds for the year. Go ahead with the card when you're ready."),
                      ("client", "220819351 8193."),
                      ("agent", "So that's 4-9-2-9. 1-6-9-6-1-0-5-3. 1-7-8-5. Yes."),
                      ("client", "Yes."),
                      ("client", "Yes, that's right."),
                      ("client", "And my account number is 22081935118193."),
                      ("client", "Oh, and the other card is 4539. 148-0343-6467. Sorry."))
    texts = [s["text"] for s in redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)["segments"]]
    assert texts[1:3] == ["<CREDIT_CARD>.", "So that's <CREDIT_CARD>. Yes."]
    assert texts[5] == "And my account number is <DIGIT_RUN>."
    # ASR's full stop cut the first four digits off the rest: they belong to the card.
    assert texts[6] == "Oh, and the other card is <CREDIT_CARD>. Sorry."


@pytest.mark.models
@pytest.mark.parametrize("text, kept, gone", [
    # lowercase words spaCy reads as people
    ("So it's a thirty minute lesson once a week.", ["lesson"], []),
    ("I'll send a form so you can give us meter readings on moving day.", ["us meter"], []),
    # company names, which the policy keeps (a kind of organisation ends them)
    ("Hello, Greenfield Energy, how can I help?", ["Greenfield Energy"], []),
    ("Good morning, Pageturner Magazines, how can I help?", ["Pageturner Magazines"], []),
    # a title or greeting before a name stays; the name goes
    ("Thanks, Mrs Okonjo, I've found the booking.", ["Mrs"], ["Okonjo"]),
    ("Morning Grace. I've moved flat.", ["Morning"], ["Grace"]),
    # a car's model after its make; a person called Ford still goes
    ("It is a Ford Fiesta, silver.", ["Ford Fiesta"], []),
    ("My name is Harrison Ford.", [], ["Harrison", "Ford"]),
])
def test_ordinary_words_and_company_names_stay_names_go(english_analyzer, text, kept, gone):
    redacted, _ = redact_text(english_analyzer, text, ENGLISH_POLICY)
    assert all(k in redacted for k in kept), redacted
    assert not any(g in redacted for g in gone), redacted


@pytest.mark.models
def test_a_house_number_read_as_a_name_does_not_wipe_the_number_elsewhere(english_analyzer):
    segments = [make_segment("Twelve Orchard Close.", 0.0),
                make_segment("I can see one payment, twelve pounds at a coffee shop.", 2.0)]
    body = {"language": "en", "audio_duration_s": 4.0, "channels": 1, "segments": segments}
    out = redact_transcript(english_analyzer, body, ENGLISH_POLICY)
    assert "Orchard" not in out["segments"][0]["text"]
    assert "twelve pounds" in out["segments"][1]["text"]


@pytest.mark.models
@pytest.mark.parametrize("speaker, greeting, name", [
    ("agent", "Hi there, Clearsight Opticians, Tom speaking.", "Tom"),
    ("agent", "Hi, it's Owen from Kite Fibre, calling back about the fault.", "Owen"),
    ("unknown", "Good afternoon, Northsea Ferries, you're speaking to Hannah. Calls may be recorded.", "Hannah"),
    ("unknown", "Morning, you're through to Brightwave Energy, Hannah speaking.", "Hannah"),
])
def test_an_agent_introducing_themselves_in_other_words_keeps_the_name(english_analyzer, speaker, greeting, name):
    other = "client" if speaker == "agent" else "unknown"
    transcript = call((speaker, greeting), (other, "Hi, my name is Peter Novak, I was charged twice."))
    out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
    assert name in out["segments"][0]["text"]
    assert find_leaks(["Peter Novak"], out["segments"][1]["text"]) == []


@pytest.mark.models
def test_a_name_before_speaking_is_kept_only_when_the_agent_introduces_themselves(english_analyzer):
    # The agent asks for the customer ("Is that Jim speaking?"); a caller answers an outgoing
    # call with their name on a mono line: both stay redacted.
    asked = call(("agent", "Hello, is that Jim Callow speaking?"), ("client", "Yes, it is."))
    answered = call(("unknown", "Hello, Jim Callow speaking."),
                    ("unknown", "Hi, it's Marta calling from BrightRoof Solar."))
    for transcript in (asked, answered):
        out = redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)
        assert find_leaks(["Jim Callow"], " ".join(s["text"] for s in out["segments"])) == []


@pytest.mark.models
def test_the_caller_greeting_the_agent_back_by_name_keeps_it_only_there(english_analyzer):
    transcript = call(("unknown", "Thank you for calling Brightwave Energy, my name is Ruth."),
                      ("unknown", "Hi Ruth, it's Ruth Collins, I'm moving house next week."),
                      ("unknown", "Thanks, Ruth, I'll move the account."))
    texts = [s["text"] for s in redact_transcript(english_analyzer, transcript, ENGLISH_POLICY)["segments"]]
    assert texts[1].startswith("Hi Ruth, it's <PERSON>")  # the caller's own name is still removed
    assert "Ruth" not in texts[2]  # only the greeting right after the introduction
    # Without an introduction the name is the caller's business: redacted.
    untold = call(("unknown", "Hello, Brightwave Energy."), ("unknown", "Hi Ruth, I'm moving house."))
    assert "Ruth" not in redact_transcript(english_analyzer, untold, ENGLISH_POLICY)["segments"][1]["text"]
