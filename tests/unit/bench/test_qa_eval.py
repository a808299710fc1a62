"""The labelled QA set is well formed, the metrics compute known values, the harness runs."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import av
import pytest
import yaml

from bench.qa_eval import metrics
from bench.qa_eval.__main__ import main
from bench.qa_eval.calls import CALLS_DIR, CRITERIA, VERDICTS, BadCall, EvalCall, Turn, load_calls, parse_call, select
from bench.qa_eval.harness import CallOutcome, over_redaction_figures, script_transcript

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def calls() -> list[EvalCall]:
    return load_calls()


def test_set_is_large_and_covers_both_languages_and_channel_layouts(calls):
    assert len(calls) >= 40
    assert {c.language for c in calls} == {"en", "ru"}
    assert {c.stereo for c in calls} == {True, False}
    assert len({c.id for c in calls}) == len(calls)


def test_every_label_is_a_known_criterion_and_verdict(calls):
    for call in calls:
        assert set(call.labels) == set(CRITERIA), call.id
        assert set(call.labels.values()) <= set(VERDICTS), call.id
        assert call.project == ("support-en" if call.language == "en" else "support-ru"), call.id


def test_not_met_is_30_to_70_percent_of_judged_labels(calls):
    counts = Counter(v for c in calls for v in c.labels.values())
    assert 0.3 <= counts["not_met"] / (counts["met"] + counts["not_met"]) <= 0.7
    assert counts["na"] > 0


def test_both_halves_hold_every_language_and_layout(calls):
    # Either half grows (GUIDE.md "Splits"): the calibrate half with calls written to tune on, the
    # report half with fresh held-out batches; each must still hold both languages, mono and stereo.
    groups = Counter((c.language, c.stereo, c.split) for c in calls)
    for language in ("en", "ru"):
        for stereo in (True, False):
            assert groups[(language, stereo, "calibrate")] >= 5 and groups[(language, stereo, "report")] >= 5, (
                language, stereo, groups)


def test_direction_defaults_to_incoming_and_outgoing_calls_exist(calls):
    assert {c.direction for c in calls} == {"incoming", "outgoing"}
    raw = yaml.safe_load((CALLS_DIR / f"{calls[0].id}.yaml").read_text(encoding="utf-8"))
    with pytest.raises(BadCall, match="direction"):
        parse_call({**raw, "direction": "sideways"})


def test_select_limits_per_language_and_keeps_the_split(calls):
    chosen = select(calls, "report", limit=2)
    assert Counter(c.language for c in chosen) == {"en": 2, "ru": 2}
    assert {c.split for c in chosen} == {"report"}


def test_agreement_recall_and_baseline_on_known_pairs():
    pairs = [("met", "met"), ("not_met", "not_met"), ("not_met", "met"), ("na", "na"), ("not_met", "na")]
    assert metrics.agreement(pairs) == pytest.approx(3 / 5)
    assert metrics.not_met_recall(pairs) == pytest.approx(1 / 3)
    baseline = metrics.constant_met(pairs)
    assert metrics.agreement(baseline) == pytest.approx(1 / 5)
    assert metrics.not_met_recall(baseline) == 0
    assert metrics.agreement([]) is None and metrics.not_met_recall([("met", "met")]) is None


def test_fact_coverage_matches_any_alternative_case_insensitively():
    facts = [["refund", "возврат"], ["Friday"], ["engineer"]]
    assert metrics.fact_coverage(facts, "Оформлен ВОЗВРАТ; money back by friday.") == (2, 3)


def test_word_error_rate_ignores_case_and_punctuation():
    assert metrics.word_error_rate("Hello, my name is Tom.", "hello my name is tom") == 0
    assert metrics.word_error_rate("the cat sat down", "the bat sat") == pytest.approx(2 / 4)
    assert metrics.word_error_rate("Всё хорошо", "все хорошо") == 0


def test_attribution_counts_unknown_as_wrong():
    turns = [("agent", 0.0, 2.0), ("client", 2.5, 4.0)]
    transcript = {"segments": [
        {"start": 0.0, "end": 2.0, "speaker": "agent", "words": [{"start": 0.1, "end": 0.5}, {"start": 2.6, "end": 3.0}]},
        {"start": 3.0, "end": 4.0, "speaker": "unknown", "words": [{"start": 3.1, "end": 3.5}]}]}
    assert metrics.attribution_accuracy(transcript, turns) == (1, 3)


def test_a_planted_number_is_written_in_digits(calls):
    # planted as number words ("six oh oh, three one seven"), the leak check would look for each
    # word alone and find "one" in "one adult"; GUIDE.md asks for the digits
    from agents.redact.numbers import normalise_spoken_numbers

    in_words = [(c.id, value) for c in calls for value in c.planted_pii
                if re.sub(r"[\s,\-]", "", normalise_spoken_numbers(value).text).isdigit()
                and not re.sub(r"[\s\-]", "", value).isdigit()]
    assert in_words == []


def test_leaks_find_names_dictated_numbers_and_street_names_but_not_generic_words():
    planted = ["Margaret Olsen", "5552184490", "Harbour Street"]
    texts = ["Thanks <PERSON>, the number is five five five, two one eight, four four nine zero.",
             "It is on <LOCATION> street, near Harbour."]
    assert metrics.leaks(planted, texts) == ["5552184490", "Harbour Street"]
    assert metrics.leaks(planted, ["Thanks <PERSON>, we are on the high street."]) == []


def test_a_street_type_alone_is_no_leak_of_a_planted_street():
    # "Way" or "Crescent" in ordinary talk is not the caller's street; its name still is.
    planted = ["Millbrook Way", "Sandpiper Crescent", "Набережная Лебедева"]
    assert metrics.leaks(planted, ["Is there any way to speed it up? The moon was a crescent."]) == []
    assert metrics.leaks(planted, ["It's on Millbrook, by the набережная."]) == ["Millbrook Way"]
    assert metrics.leaks(planted, ["Живу у Лебедева."]) == ["Набережная Лебедева"]


def test_script_transcript_keeps_stereo_speakers_and_hides_mono_ones():
    turns = (Turn("agent", "Hello there"), Turn("client", "Hi, my internet is down"))
    call = EvalCall("x", "en", True, "support-en", "report", turns, {}, (("a",),), ())
    body, timings = script_transcript(call)
    assert [s["speaker"] for s in body["segments"]] == ["agent", "client"]
    assert [t[0] for t in timings] == ["agent", "client"] and timings[0][2] <= timings[1][1]
    mono, _ = script_transcript(EvalCall(**{**call.__dict__, "stereo": False}))
    assert {s["speaker"] for s in mono["segments"]} == {"unknown"}
    assert mono["channels"] == 1 and body["channels"] == 2


@pytest.mark.models
def test_harness_runs_end_to_end_on_two_script_calls(capsys):
    assert main(["--source", "script", "--split", "report", "--lang", "en", "--limit", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    english = report["languages"]["en"]
    assert english["calls"] == 2 and len(report["calls"]) == 2
    assert english["overall"]["n"] == 2 * len(CRITERIA)
    assert 0 <= english["overall"]["agreement"] <= 1
    assert english["summary_facts"]["total"] >= 4
    assert set(report["calls"][0]["predicted"]) == set(CRITERIA)


@pytest.mark.models
def test_cli_table_output_and_missing_project_is_skipped_not_a_crash():
    # support-ru may not be in the catalog yet: the run must say so and still succeed.
    result = subprocess.run([sys.executable, "-m", "bench.qa_eval", "--lang", "ru", "--limit", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "[ru]" in result.stdout


def test_rendering_one_call_gives_8khz_mu_law_with_the_call_layout(tmp_path, calls):
    from bench.qa_eval.render import render_call

    call = min((c for c in calls if c.stereo and c.language == "en"), key=lambda c: sum(len(t.text) for t in c.turns))
    short = EvalCall(**{**call.__dict__, "turns": call.turns[:2]})
    rendered = render_call(short, "espeak", cache_dir=tmp_path)
    with av.open(str(rendered.path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("pcm_mulaw", 8000, 2)
    assert [t.speaker for t in rendered.timings] == ["agent", "client"]
    assert 0 < rendered.timings[0].end < rendered.timings[1].start < rendered.duration_s
    assert render_call(short, "espeak", cache_dir=tmp_path).path == rendered.path  # cached


def test_a_russian_turn_with_a_dash_or_quotes_is_still_spoken(tmp_path):
    """Festival writes no audio for a text with a dash, quotes, a slash or a comma standing alone; twelve
    of the 28 Russian calls of the fresh held-out batch had a dash."""
    from bench.qa_eval.render import FESTIVAL_RU, Voice, festival_text, speak_turn

    text = "Ой, ну зубная боль — это самое противное. Магазин «Флора-экспресс»… Да."
    assert festival_text(text) == "Ой, ну зубная боль, это самое противное. Магазин Флора-экспресс. Да."
    assert speak_turn(text, Voice("festival", FESTIVAL_RU), cache_dir=tmp_path).stat().st_size > 8000
    # a pause written as dots standing alone (an IVR message, then the agent); session 11's ru93
    paused = "Ваш звонок может быть записан. ... НПФ «Опора», слушаю вас."
    assert festival_text(paused) == "Ваш звонок может быть записан. НПФ Опора, слушаю вас."
    assert speak_turn(paused, Voice("festival", FESTIVAL_RU), cache_dir=tmp_path).stat().st_size > 8000
    # a turn that trails in ("...Ну хорошо."); session 13's fresh batch had one
    assert festival_text("...Ну хорошо.") == "Ну хорошо."
    assert speak_turn("...Ну хорошо.", Voice("festival", FESTIVAL_RU), cache_dir=tmp_path).stat().st_size > 8000
    # a slash: «б/у» (session 18's ru211)
    assert festival_text("Пришёл явно б/у.") == "Пришёл явно б у."
    assert speak_turn("Пришёл явно б/у.", Voice("festival", FESTIVAL_RU), cache_dir=tmp_path).stat().st_size > 8000


@pytest.mark.models
def test_russian_calls_are_spoken_by_festival_which_whisper_base_can_read(tmp_path, calls):
    # espeak-ng's Russian comes out garbled at 8 kHz; the Russian audio figures rest on this voice.
    from agents.asr import transcribe_file
    from agents.transcribe import load_model
    from bench.qa_eval.render import render_call
    from streams.settings import Settings

    call = next(c for c in calls if c.language == "ru" and not c.stereo and c.split == "calibrate")
    short = EvalCall(**{**call.__dict__, "turns": call.turns[:2]})
    rendered = render_call(short, "piper", cache_dir=tmp_path)
    assert rendered.voices == ("festival:msu_ru_nsh_clunits", "festival:msu_ru_nsh_clunits")
    with av.open(str(rendered.path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("pcm_mulaw", 8000, 1)
    heard = transcribe_file(load_model(Settings(), "base"), rendered.path, "ru")
    reference = " ".join(t.text for t in short.turns)
    hypothesis = " ".join(s["text"] for s in heard["segments"])
    assert metrics.word_error_rate(reference, hypothesis) < 0.35, hypothesis


def test_word_error_rate_reads_dictated_and_written_numbers_alike():
    assert metrics.word_error_rate("card four five two six, zero one eight one", "Card 4526 0181.") == 0


def test_removed_words_are_the_ones_a_placeholder_took_the_place_of():
    original = "Safe travels, Mr Smith, and thanks for calling."
    redacted = "<PERSON>, Mr <PERSON>, and thanks for calling."
    assert [original.split()[i] for i in metrics.removed_word_indices(original, redacted)] == ["Safe", "travels,", "Smith,"]
    assert metrics.removed_word_indices(original, original) == []


def test_over_redacted_words_are_removed_words_outside_every_planted_value():
    planted = ["John Smith"]
    assert metrics.over_redacted_words(planted, "Safe travels, Mr Smith.", "<PERSON>, Mr <PERSON>.") == ["Safe", "travels,"]
    assert metrics.over_redacted_words(planted, "Thanks John Smith.", "Thanks <PERSON>.") == []


def test_planted_values_are_read_as_the_leak_check_reads_them():
    # Digits in any spacing and wording, with the phone's leading "oh" and "double".
    phone = "oh seven seven double oh nine, eight three four one two please"
    assert metrics.over_redacted_words(["07700983412"], phone, "<PHONE_NUMBER> please") == []
    # A passport's series said apart from its number: each piece is the planted value's.
    passport = "Паспорт сорок пять ноль семь, номер сто двадцать три четыреста пятьдесят шесть."
    assert metrics.over_redacted_words(["4507123456"], passport, "Паспорт <RU_PASSPORT>, номер <RU_PASSPORT>.") == []
    # A spelled postcode, with the letter a four-character piece would leave out.
    postcode = "the postcode's M fourteen, five T R."
    assert metrics.over_redacted_words(["M fourteen, five T R"], postcode, "the postcode's <ADDRESS>.") == []
    # A Russian surname in another case; a street's generic word with its planted name.
    assert metrics.over_redacted_words(["Соколова"], "Звонит Соколовой.", "Звонит <PERSON>.") == []
    assert metrics.over_redacted_words(["Harbour Street"], "on Harbour Street.", "on <ADDRESS>.") == []


def test_spoken_emails_and_spelled_names_belong_to_their_planted_value():
    email = "It's j dot okafor at quickmail dot com."
    assert metrics.spoken_characters(email) == "itsjokaforquickmailcom"
    assert metrics.over_redacted_words(["j.okafor@quickmail.com"], email, "It's <EMAIL_ADDRESS>.") == []
    spelled = "Keogh is K as in kilo, E, O, G as in golf, H."
    assert metrics.over_redacted_words(["Siobhan Keogh"], spelled, "<PERSON> is <PERSON>.") == []
    assert metrics.over_redacted_words(["Marianne Gillett"], "that's G I double-L E double-T.", "that's <PERSON>.") == []
    # ...but an ordinary word beside them is not part of one.
    assert metrics.over_redacted_words(["Siobhan Keogh"], "Lovely, Keogh.", "<PERSON>, <PERSON>.") == ["Lovely,"]


def test_over_redaction_counts_words_per_call_and_the_harness_reports_them():
    transcript = {"segments": [{"text": "Hi Tom, safe travels."}, {"text": "It's Jane Doe."}]}
    redacted = {"segments": [{"text": "Hi <PERSON>, <PERSON>."}, {"text": "It's <PERSON>."}]}
    assert metrics.over_redaction(["Jane Doe"], transcript, redacted) == (["Tom,", "safe", "travels."], 7)
    call = EvalCall("x", "en", False, "support-en", "calibrate", (), {}, (("a",),), ())
    outcomes = [CallOutcome(EvalCall(**{**call.__dict__, "id": name}), {}, (0, 0), (0, 0), [], {},
                            over_redacted=over, transcript_words=500) for name, over in (("a", ["Tom,"]), ("b", []))]
    assert over_redaction_figures(outcomes) == {"words": 1, "transcript_words": 1000, "per_1000": 1.0,
                                                "calls_with_any": ["a"]}


def test_a_lone_number_word_in_a_spoken_email_is_its_digits():
    email = "It's robert dot singh sixty at gmail dot com."
    assert metrics.over_redacted_words(["robert.singh60@gmail.com"], email, "It's <EMAIL_ADDRESS>.") == []


def test_the_asr_cache_reuses_a_transcript_until_the_audio_or_the_transcription_code_changes(tmp_path, monkeypatch):
    from bench.qa_eval import harness
    from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file
    from streams.settings import Settings

    transcribed = []

    def transcribe(audio, project, settings, asr_model, direction):  # counts the real stage's calls
        transcribed.append(audio.read_bytes())
        return {"segments": [{"text": f"take {len(transcribed)}"}]}, (2.0, 1.5)

    monkeypatch.setattr(harness, "transcribe_recording", transcribe)
    project = next(iter(load_catalog_file(DEFAULT_PROJECTS_FILE).projects.values()))
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"first recording")
    cache = tmp_path / "asr"

    def run_once():
        return harness.cached_transcription(audio, project, Settings(), None, "incoming", cache)

    first = run_once()
    assert run_once() == first and len(transcribed) == 1  # same audio, same code: reused
    assert first[1] == (2.0, 1.5)  # the seconds measured when the entry was made
    audio.write_bytes(b"another recording")
    assert run_once()[0]["segments"][0]["text"] == "take 2"
    monkeypatch.setattr(harness, "asr_code_fingerprint", lambda: "the speaker code changed")
    assert run_once()[0]["segments"][0]["text"] == "take 3"
    assert harness.cached_transcription(audio, project, Settings(), None, "incoming", None)[0] == {
        "segments": [{"text": "take 4"}]}  # no cache directory: always transcribed


def test_the_asr_code_fingerprint_follows_every_transcription_source_file(tmp_path):
    from bench.qa_eval.harness import ASR_SOURCES, asr_code_fingerprint

    for name in ASR_SOURCES:
        path = tmp_path / name
        target = path / "voice.py" if not name.endswith(".py") else path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")
    before = asr_code_fingerprint(tmp_path)
    assert asr_code_fingerprint(tmp_path) == before
    (tmp_path / "agents" / "speakers" / "voice.py").write_text("x = 2\n")
    assert asr_code_fingerprint(tmp_path) != before


def test_every_planted_value_is_found_in_its_own_script(calls):
    # A value the leak check cannot see in the unredacted script could never count as leaking.
    from aica.samples import find_leaks

    unseen = [(c.id, value) for c in calls
              for value in set(c.planted_pii) - set(find_leaks(c.planted_pii, " ".join(t.text for t in c.turns)))]
    assert unseen == []
