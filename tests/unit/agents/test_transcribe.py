from __future__ import annotations

import re
import subprocess
import wave
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import av
import numpy as np
import pytest

from agents.asr import count_channels, decode_channels, split_at_pauses, transcribe_file
from agents.asr_models import model_directory
from agents.audio import UnreadableAudio
from agents.speakers.roles import ROLE_CUES_VERSION
from agents.transcribe import asr_plan, asr_version, beam_size, call_project, first_beam_size, load_model
from catalog.projects import Project, load_catalog
from schemas.registry import decode, encode
from streams.settings import Settings

# The transcribe stage's decoding as configured by default (batched, its beam width).
DEFAULT_DECODING = {"batch_size": Settings().asr_batch_size, "beam_size": Settings().asr_beam_size,
                    "first_beam_size": first_beam_size(Settings(), "en")}
# Greedy first, the wider beam for the chunks that look wrong.
GREEDY_FALLBACK = {"batch_size": 8, "beam_size": 2, "first_beam_size": 1}
# Greedy alone stops after the first sentence of the hold-music test's one chunk; the decoder
# must go on from there (agents.asr_fallback.leftover_clip).
GREEDY_ONE_PASS = {"batch_size": 8, "beam_size": 1, "first_beam_size": 0}


def spoken_words(segments: list[dict]) -> set[str]:
    return {re.sub(r"[^\w']", "", w["word"]).lower() for s in segments for w in s["words"]}


def wav_duration_s(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


# --- pure parts: no model ---------------------------------------------------------------

# The role cues decide who said what on a mono call: their version is the transcript's too.
ROLES = f"/roles-{ROLE_CUES_VERSION}"


def test_asr_version_names_library_model_precision_beam_and_batching():
    sequential = Settings(asr_model="tiny.en", asr_beam_size=3, asr_batch_size=0)
    assert asr_version(sequential, None, "en") == f"faster-whisper=={version('faster-whisper')}/tiny.en/int8/beam3/voices-ge2e{ROLES}"
    assert asr_version(sequential.model_copy(update={"asr_vad_mono": True}), None, "en").endswith(f"/beam3/vad/voices-ge2e{ROLES}")
    # One pass with one beam: a chunk that loops is decoded again, with beam 5 and the n-gram rule.
    assert asr_version(Settings(asr_beam_size=5, asr_batch_size=8, asr_first_beam_size=0), None, "en").endswith(
        f"/int8/beam5/batch8/loops-beam5/to-end/voices-ge2e{ROLES}")
    greedy_first = Settings(asr_beam_size=2, asr_batch_size=8, asr_first_beam_size=1)
    assert asr_version(greedy_first, "tiny.en", "en").endswith(f"/int8/beam2/batch8/first-beam1/to-end/voices-ge2e{ROLES}")
    # Greedy-first is for English only (measured there; Russian lost words): one pass otherwise,
    # with the beam measured on Russian.
    assert asr_version(greedy_first, "base", "ru").endswith(f"/base/int8/beam5/batch8/loops-beam5/to-end/voices-ge2e{ROLES}")
    assert asr_version(greedy_first.model_copy(update={"asr_beam_size_non_english": 3}), "base", "ru").endswith(
        f"/base/int8/beam3/batch8/loops-beam5/to-end/voices-ge2e{ROLES}")
    assert beam_size(greedy_first, "en") == 2 and beam_size(greedy_first, "ru") == 5 == beam_size(greedy_first, None)
    assert first_beam_size(greedy_first, "en") == 1 and first_beam_size(greedy_first, "ru") == 0
    assert first_beam_size(greedy_first, None) == 0
    assert asr_version(greedy_first.model_copy(update={"asr_first_beam_size": 2}), None, "en").endswith(
        f"/batch8/loops-beam5/to-end/voices-ge2e{ROLES}")
    assert asr_version(Settings(speaker_voice_model="prints")).endswith(f"/voices-prints{ROLES}")
    assert "/whisper-base-ct2/" in asr_version(Settings(asr_model="/models/whisper-base-ct2"))


def test_asr_version_records_the_calls_model():
    assert "/base/int8/" in asr_version(Settings(), "base")


def test_each_project_gets_its_model_language_and_vocabulary():
    settings = Settings()
    english = Project(scorecard="s", language="en", vocabulary=("Northwind Energy", "Harbor Home"))
    russian = Project(scorecard="s", language="ru")
    pinned = Project(scorecard="s", language="en", asr_model="base")
    assert asr_plan(settings, "en", english) == ("tiny.en", "en", "Northwind Energy, Harbor Home")
    assert asr_plan(settings, "ru", russian) == ("base", "ru", None)  # tiny.en has no Russian
    assert asr_plan(settings, "en", pinned).model == "base"
    assert asr_plan(settings, "ru").model == "base" and asr_plan(settings, "en").model == "tiny.en"
    catalog = load_catalog(settings)
    context = {"member_id": "m1", "project": "support-ru"}
    assert asr_plan(settings, "ru", call_project(catalog, context)) == ("base", "ru", "Северный Ветер")
    assert call_project(None, context) is None


def test_bundled_model_directory_comes_from_the_wheel():
    assert (model_directory("tiny.en") / "model.bin").is_file()
    assert model_directory("/srv/models/base") == Path("/srv/models/base")


def test_model_directory_without_model_bin_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(Settings(asr_model=str(tmp_path)))


def test_split_at_pauses_starts_a_new_segment_after_a_long_gap():
    words = [{"start": 0.0, "end": 0.4, "word": " Yes,", "probability": 0.9},
             {"start": 0.4, "end": 0.8, "word": " speaking.", "probability": 0.8},
             {"start": 5.0, "end": 5.5, "word": " Friday", "probability": 0.7},
             {"start": 5.5, "end": 6.0, "word": " works.", "probability": 0.9}]
    segment = {"start": 0.0, "end": 6.0, "speaker": "client",
               "text": "Yes, speaking. Friday works.", "words": words}
    parts = split_at_pauses(segment)
    assert [(p["start"], p["end"], p["text"]) for p in parts] == [
        (0.0, 0.8, "Yes, speaking."), (5.0, 6.0, "Friday works.")]
    assert all(p["speaker"] == "client" for p in parts)
    assert split_at_pauses({**segment, "words": words[:2]}) == [{**segment, "words": words[:2]}]


def test_channels_are_read_from_the_file(speak, two_sides):
    assert count_channels(speak("Hello there.")) == 1
    assert count_channels(two_sides("Hello.", "Hi.")) == 2


def test_stereo_decodes_to_one_array_per_side(two_sides):
    left, right = decode_channels(two_sides("Good morning.", "Good evening."), 2)
    assert left.shape == right.shape
    # Each side is silent while the other one talks.
    half = left.size // 2
    assert np.abs(left[:half]).max() > 10 * np.abs(right[:half]).max()
    assert np.abs(right[half:]).max() > 10 * np.abs(left[half:]).max()


def _video_only(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    return path


def test_unreadable_files_say_why(tmp_path, speak):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(np.random.default_rng(7).bytes(4000))
    header_only = tmp_path / "header.wav"
    header_only.write_bytes(speak("Hello.").read_bytes()[:44])  # RIFF header, no samples
    with pytest.raises(UnreadableAudio, match="zero-length"):
        count_channels(empty)
    with pytest.raises(UnreadableAudio, match="corrupt"):
        count_channels(garbage)
    with pytest.raises(UnreadableAudio, match="no audio stream"):
        count_channels(_video_only(tmp_path / "video.mkv"))
    with pytest.raises(UnreadableAudio, match="no audio samples"):
        decode_channels(header_only, count_channels(header_only))


def test_unreadable_audio_is_a_value_error_for_dead_lettering():
    assert issubclass(UnreadableAudio, ValueError)


# --- with the real tiny.en model ---------------------------------------------------------

@pytest.mark.models
def test_model_is_loaded_once_per_process():
    assert load_model(Settings()) is load_model(Settings())


@pytest.mark.models
def test_mono_call_has_timed_words_and_unknown_speaker(whisper_model, speak):
    # One voice, nothing only an agent or a client would say: attribution must not guess.
    audio = speak("The delivery will arrive on Monday morning. The parcel is quite large.")
    body = transcribe_file(whisper_model, audio, "en")
    assert body["channels"] == 1 and body["language"] == "en"
    assert body["audio_duration_s"] == pytest.approx(wav_duration_s(audio), abs=0.05)
    assert {"delivery", "monday", "morning"} <= spoken_words(body["segments"])
    for segment in body["segments"]:
        assert segment["speaker"] == "unknown"
        assert segment["words"] and segment["start"] <= segment["end"]
        for word in segment["words"]:
            assert segment["start"] - 0.05 <= word["start"] <= word["end"] <= segment["end"] + 0.05
            assert 0.0 <= word["probability"] <= 1.0


@pytest.mark.models
@pytest.mark.parametrize("asr_options", [{}, DEFAULT_DECODING, GREEDY_FALLBACK],
                         ids=["sequential", "default", "greedy-fallback"])
def test_stereo_splits_speakers_by_channel(whisper_model, two_sides, asr_options):
    audio = two_sides("Good afternoon, this is the delivery company calling about your order.",
                      "Yes, my new sofa arrived broken yesterday.")
    body = transcribe_file(whisper_model, audio, "en", **asr_options)
    assert body["channels"] == 2
    agent = [s for s in body["segments"] if s["speaker"] == "agent"]
    client = [s for s in body["segments"] if s["speaker"] == "client"]
    assert {"delivery", "order"} <= spoken_words(agent)
    assert {"sofa", "broken"} <= spoken_words(client)
    assert not {"sofa", "broken"} & spoken_words(agent)
    assert max(s["end"] for s in agent) < min(s["start"] for s in client)  # left spoke first
    starts = [s["start"] for s in body["segments"]]
    assert starts == sorted(starts)

    swapped = transcribe_file(whisper_model, audio, "en", channel_speakers=("client", "agent"))
    assert {"sofa", "broken"} <= spoken_words([s for s in swapped["segments"]
                                               if s["speaker"] == "agent"])


@pytest.mark.models
@pytest.mark.parametrize("asr_options", [{"vad_mono": True}, DEFAULT_DECODING, GREEDY_FALLBACK, GREEDY_ONE_PASS],
                         ids=["vad", "default", "greedy-fallback", "greedy-one-pass"])
def test_words_after_silence_and_hold_music_keep_their_place_in_the_call(whisper_model, speak, tmp_path,
                                                                          asr_options):
    # VAD drops the silence and the music before decoding; the words must still be timed on the
    # recording's own clock, not on the speech-only audio the decoder saw.
    first = speak("Let me check your account, please hold.", name="first")
    second = speak("Thank you for holding, your refund was issued today.", name="second")
    gap, music, call = tmp_path / "gap.wav", tmp_path / "music.wav", tmp_path / "call.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", gap, "trim", "0", "5"], check=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-b", "16", "-c", "1", music, "synth", "0.5", "sine", "523",
                    "synth", "0.5", "sine", "659", "vol", "0.2", "repeat", "7"], check=True)
    subprocess.run(["sox", first, gap, music, gap, second, call], check=True)
    second_at = wav_duration_s(first) + 10 + wav_duration_s(music)

    body = transcribe_file(whisper_model, call, "en", **asr_options)
    words = [w for s in body["segments"] for w in s["words"]]
    refund = [w for w in words if re.sub(r"\W", "", w["word"]).lower() in {"refund", "issued", "today"}]
    check = [w for w in words if re.sub(r"\W", "", w["word"]).lower() in {"check", "account"}]
    assert refund and check
    assert all(second_at - 0.3 <= w["start"] <= second_at + wav_duration_s(second) for w in refund)
    assert all(w["end"] <= wav_duration_s(first) + 0.3 for w in check)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    assert body["audio_duration_s"] == pytest.approx(wav_duration_s(call), abs=0.05)


@pytest.mark.models
def test_transcript_body_fits_the_avro_contract(whisper_model, speak):
    body = transcribe_file(whisper_model, speak("Your refund has been issued today."), "en")
    context = {"call_id": "m1.42", "member_id": "m1", "domain": "example.bitrix24.com",
               "activity_id": 42, "project": "default", "language": "en",
               "direction": "incoming", "bindings": [], "versions": {}}
    record = {"context": context, "audio_uri": "file:///blobs/m1.42.wav",
              "transcribed_at": datetime.now(timezone.utc), **body}
    assert decode("aica.Transcript", encode("aica.Transcript", record))["segments"] == [
        {**s, "words": [{**w, "probability": pytest.approx(w["probability"], rel=1e-6)}
                        for w in s["words"]]} for s in body["segments"]]


@pytest.mark.models
def test_corrupt_file_is_unreadable_before_any_decoding(whisper_model, tmp_path):
    corrupt = tmp_path / "call.mp3"
    corrupt.write_bytes(b"ID3" + bytes(range(256)) * 8)
    with pytest.raises(UnreadableAudio):
        transcribe_file(whisper_model, corrupt, "en")


@pytest.mark.models
def test_models_are_cached_per_name():
    assert load_model(Settings(), "base") is load_model(Settings(), "base")
    assert load_model(Settings(), "base") is not load_model(Settings())


@pytest.mark.models
def test_russian_speech_with_base_the_language_pinned_and_hotwords(tmp_path):
    # Festival's recorded Russian voice (festvox-ru) at 8 kHz; espeak-ng's Russian is too garbled
    # for base at telephone bandwidth (stack-notes).
    text, raw, audio = tmp_path / "ru.txt", tmp_path / "ru-raw.wav", tmp_path / "ru.wav"
    text.write_text("Добрый день, компания Северный Ветер, меня зовут Анна. Чем могу помочь?",
                    encoding="utf-8")
    subprocess.run(["text2wave", "-eval", "(voice_msu_ru_nsh_clunits)", str(text), "-o", str(raw)],
                   check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", str(audio), "remix", "1"],
                   check=True, capture_output=True)
    model = load_model(Settings(), "base")
    body = transcribe_file(model, audio, "ru", hotwords="Северный Ветер")
    said = " ".join(s["text"] for s in body["segments"])
    assert body["language"] == "ru"
    assert re.search(r"[а-яё]", said, re.IGNORECASE) and not re.search(r"[a-z]", said, re.IGNORECASE)
    assert {"добрый", "день", "зовут", "анна", "могу", "помочь"} <= spoken_words(body["segments"])
    assert "северный ветер" in said.lower()  # the project's vocabulary, spelled as the company does
