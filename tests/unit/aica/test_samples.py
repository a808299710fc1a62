from __future__ import annotations

import dataclasses
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from aica.samples import (SAMPLE_RATE, Sample, Turn, find_leaks, load_samples, log_messages, parse_sample,
                          render_key, render_sample)

SAMPLES = load_samples()


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("samples")


def read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path)) as wav:
        params = wav.getparams()
        frames = np.frombuffer(wav.readframes(params.nframes), dtype="<i2")
    return params, frames.reshape(-1, params.nchannels).astype(np.float64)


def test_the_demo_calls_are_there():
    assert len(SAMPLES) == 5 and len({s.id for s in SAMPLES}) == 5
    assert [s.stereo for s in SAMPLES].count(True) == 1
    assert [s.language for s in SAMPLES].count("ru") == 1
    for sample in SAMPLES:
        assert {t.speaker for t in sample.turns} == {"agent", "client"}
        assert sample.direction in ("incoming", "outgoing")
        assert re.fullmatch(r"\d{11}|reg\d+", sample.line)
        assert sample.agent_voice != sample.client_voice


def test_the_english_demo_calls_speak_with_the_neural_voice():
    # espeak-ng's robot voice comes out of tiny.en as nonsense ("my intellect has been known"), so
    # the demo would show the ASR's failure, not the analysis
    english = [s for s in SAMPLES if s.language == "en"]
    assert english and all(s.agent_voice.startswith("piper-en") and s.client_voice.startswith("piper-en")
                           for s in english)


def test_the_russian_call_routes_to_the_russian_project_with_russian_voices():
    from catalog.projects import load_catalog
    from streams.settings import Settings

    sample = next(s for s in SAMPLES if s.language == "ru")
    project = load_catalog(Settings()).resolve("any-portal", sample.line)
    assert (project.name, project.language, sample.line) == ("support-ru", "ru", "74957654321")
    assert sample.agent_voice.startswith("festival-ru") and sample.client_voice.startswith("festival-ru")
    assert re.search(r"[а-яё]", sample.spoken_text(), re.IGNORECASE)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_every_planted_value_is_actually_spoken(sample):
    assert sample.planted_pii
    assert find_leaks(sample.planted_pii, sample.spoken_text()) == list(sample.planted_pii)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_rendered_audio_is_telephony_wav_of_plausible_length(sample, render_dir):
    params, frames = read_wav(render_sample(sample, render_dir))
    assert params.nchannels == sample.channels
    assert params.framerate == SAMPLE_RATE and params.sampwidth == 2
    assert 20.0 <= params.nframes / params.framerate <= 55.0
    assert np.abs(frames).max() > 1000  # speech, not silence


def test_stereo_puts_each_side_on_its_own_channel(render_dir):
    sample = next(s for s in SAMPLES if s.stereo)
    _, frames = read_wav(render_sample(sample, render_dir))
    window = SAMPLE_RATE // 20
    usable = frames[: len(frames) // window * window].reshape(-1, window, 2)
    loud = np.sqrt((usable ** 2).mean(axis=1)) > 200  # (windows, channels)
    assert loud[:, 0].sum() > 50 and loud[:, 1].sum() > 50
    assert (loud[:, 0] & loud[:, 1]).sum() == 0  # never both sides at once
    first_loud = loud.argmax(axis=0)
    assert first_loud[0] < first_loud[1]  # the agent (left) opens the call


def test_rendering_is_cached_by_content(render_dir):
    sample = SAMPLES[0]
    first = render_sample(sample, render_dir)
    mtime = first.stat().st_mtime_ns
    assert render_sample(sample, render_dir) == first and first.stat().st_mtime_ns == mtime
    edited = dataclasses.replace(sample, turns=sample.turns[:-1] + (Turn("agent", "Goodbye."),))
    assert render_key(edited) != render_key(sample)
    assert render_sample(edited, render_dir) != first


def test_bad_sample_definitions_are_refused():
    raw = {"id": "x", "title": "x", "line": "74951234567", "direction": "incoming",
           "stereo": False, "turns": [{"speaker": "agent", "text": "Hi."}]}
    assert isinstance(parse_sample(raw), Sample)
    with pytest.raises(ValueError, match="speakers"):
        parse_sample({**raw, "turns": [{"speaker": "supervisor", "text": "Hi."}]})
    with pytest.raises(ValueError, match="direction"):
        parse_sample({**raw, "direction": "inbound"})


def test_leaks_are_found_in_any_spelling_and_not_in_placeholders():
    planted = ["Margaret Collins", "5552184490", "thomas.reed@example.com"]
    assert find_leaks(planted, "Thanks, Mrs Collins.") == ["Margaret Collins"]
    assert find_leaks(planted, "it is 555-218-4490") == ["5552184490"]
    assert find_leaks(planted, "five five five, two one eight, four four nine zero") == ["5552184490"]
    assert find_leaks(planted, "write to thomas at example dot com") == ["thomas.reed@example.com"]
    assert find_leaks(planted, "Thanks <PERSON>, it is <PHONE_NUMBER>, <EMAIL_ADDRESS>.") == []


def test_log_timestamps_are_no_leak_but_a_logged_value_is():
    log = ("2026-12-05 07:12:44,512 INFO agents.ingest: call=c1 ingested\n"
           "2026-12-05 07:12:45,001 INFO agents.score: card ending 4512 read back\n")
    first = log.splitlines()[0]
    assert find_leaks(["4512"], first) == ["4512"]  # "44,512": the timestamp's digits run together
    assert find_leaks(["4512"], log_messages(first)) == []
    assert find_leaks(["4512"], log_messages(log)) == ["4512"]
    # Faust's worker log: "[time] [process id] [LEVEL] message"
    faust = "[2026-12-06 00:51:28,682] [4512] [INFO] [^--Producer]: Starting... \n"
    assert find_leaks(["4512"], faust) == ["4512"]
    assert find_leaks(["4512"], log_messages(faust)) == []
    assert find_leaks(["4512"], log_messages(faust + "[2026-12-06 00:51:29,001] [4512] [INFO] card 4512\n")) == ["4512"]


def test_russian_leaks_are_found_in_any_case_ending_and_dictation():
    planted = ["Ирина Соколова", "89161234567", "4512", "345678"]
    assert find_leaks(planted, "Спасибо, Ирине Соколовой.") == ["Ирина Соколова"]
    assert find_leaks(planted, "восемь девятьсот шестнадцать сто двадцать три сорок пять "
                               "шестьдесят семь") == ["89161234567"]
    assert find_leaks(planted, "серия сорок пять двенадцать номер триста сорок пять шестьсот "
                               "семьдесят восемь") == ["4512", "345678"]
    assert find_leaks(planted, "Спасибо, <PERSON>, серия <RU_PASSPORT>, приятно.") == []
    assert find_leaks(["4512 345678"], "паспорт 4512-345678") == ["4512 345678"]
