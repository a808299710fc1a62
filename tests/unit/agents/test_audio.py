"""Recordings decode in bounded chunks and are capped in length (issue 10, finding 4)."""
from __future__ import annotations

import gc
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from faster_whisper import decode_audio

from agents import audio
from agents.audio import SAMPLE_RATE, RecordingTooLong, UnreadableAudio, decode_chunks, probe
from agents.speakers import attribute_speakers
from agents.asr import split_at_pauses, to_segment, transcribe_file


def sox(*args: object) -> None:
    subprocess.run(["sox", *map(str, args)], check=True, capture_output=True)


@pytest.fixture
def noise(tmp_path: Path):
    """noise(seconds, channels, rate, suffix) -> a file of quiet noise with a tone."""
    def _noise(seconds: float, channels: int = 2, rate: int = 44100, suffix: str = "flac") -> Path:
        out = tmp_path / f"noise-{seconds}-{channels}-{rate}.{suffix}"
        sox("-n", "-r", rate, "-c", channels, "-b", 16, out, "synth", seconds, "whitenoise", "sine", 440,
            "vol", 0.2)
        return out
    return _noise


@pytest.mark.parametrize("channels,rate,suffix", [(2, 44100, "flac"), (1, 8000, "wav"), (2, 8000, "wav")])
def test_chunks_are_exactly_what_decode_audio_gives(noise, channels, rate, suffix):
    path = noise(25, channels, rate, suffix)
    whole = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=channels == 2)
    whole = list(whole) if channels == 2 else [whole]

    chunks = list(decode_chunks(path, channels, chunk_s=4))
    assert len(chunks) >= 6 and all(c.channels[0].size <= 4 * SAMPLE_RATE for c in chunks)
    starts = np.cumsum([0] + [c.channels[0].size for c in chunks[:-1]]) / SAMPLE_RATE
    assert [c.offset_s for c in chunks] == pytest.approx(list(starts))
    for side, expected in enumerate(whole):
        assert np.array_equal(np.concatenate([c.channels[side] for c in chunks]), expected)

    [single] = decode_chunks(path, channels)  # a normal call is one chunk: the very same arrays
    assert single.offset_s == 0 and all(np.array_equal(a, b) for a, b in zip(single.channels, whole))


def _live_filter_graphs() -> int:
    import av
    return sum(isinstance(o, av.filter.Graph) for o in gc.get_objects())


@pytest.mark.parametrize("channels,rate", [(1, 8000), (2, 44100)])
def test_decoding_frees_its_resampler_without_a_full_collection(noise, monkeypatch, channels, rate):
    """A full collection costs 0.1-0.2 s in a worker's heap (docs/benchmarks.md): reference counting
    usually frees the resampler's filter graph, so at most one collection runs per decode (not one
    per chunk), and no graph outlives it. (Asserting none ran was flaky: one CI run in three kept
    the graph alive past `del resampler`, which the decoder's collection then frees.)"""
    path = noise(5, channels, rate, "wav")
    gc.collect()
    before = _live_filter_graphs()
    collections = []  # (audio.gc is the gc module: patched after the collection above)
    real_collect = gc.collect
    monkeypatch.setattr(audio.gc, "collect", lambda *args: collections.append(args) or real_collect(*args))
    gc.disable()
    try:
        assert sum(c.channels[0].size for c in decode_chunks(path, channels)) == 5 * SAMPLE_RATE
        assert _live_filter_graphs() == before and len(collections) <= 1
    finally:
        gc.enable()


def test_a_filter_graph_that_outlives_its_resampler_is_collected(noise, monkeypatch):
    """Where a PyAV version keeps the graph in a reference cycle (alive after the resampler is
    gone), the decoder still collects it, as faster-whisper does."""
    import av
    path = noise(2, 1, 8000, "wav")
    kept, collections = [], []
    real_referents = audio.gc.get_referents

    def referents_kept_alive(*objects):  # stands in for the cycle: something else holds the graph
        found = real_referents(*objects)
        kept.extend(o for o in found if isinstance(o, av.filter.Graph))
        return found

    monkeypatch.setattr(audio.gc, "get_referents", referents_kept_alive)
    monkeypatch.setattr(audio.gc, "collect", lambda *args: collections.append(args) or 0)
    list(decode_chunks(path, 1))
    assert len(kept) == 1 and len(collections) == 1


def test_the_header_duration_is_refused_before_anything_is_decoded(noise):
    path = noise(30)
    assert probe(path) == (2, pytest.approx(30, abs=0.1))
    with pytest.raises(RecordingTooLong, match=r"header says 0:00:30, over the 0:00:10 limit"):
        probe(path, max_duration_s=10)
    # No model is touched (None would fail) and nothing decoded: the header decides.
    with pytest.raises(RecordingTooLong):
        transcribe_file(None, path, "en", max_duration_s=10)


def test_decoding_stops_at_the_cap_whatever_the_header_says(noise):
    """A header can lie or be missing: decode_chunks counts what it decodes."""
    path = noise(30)
    decoded = []
    with pytest.raises(RecordingTooLong, match="decoding reached"):
        for chunk in decode_chunks(path, 2, max_duration_s=10, chunk_s=4):
            decoded.append(chunk.channels[0].size)
    assert sum(decoded) <= 10 * SAMPLE_RATE


def test_too_long_is_unreadable_so_the_stage_dead_letters_it():
    assert issubclass(RecordingTooLong, UnreadableAudio) and issubclass(RecordingTooLong, ValueError)
    assert str(RecordingTooLong(4 * 3600 + 61, 3 * 3600, "its header says")) == (
        "recording too long: its header says 4:01:01, over the 3:00:00 limit (AICA_MAX_RECORDING_S)")


def test_a_silent_file_is_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "empty.wav"
    sox("-n", "-r", 8000, "-c", 1, "-b", 16, path, "trim", 0, 0)
    with pytest.raises(UnreadableAudio):
        list(decode_chunks(path, 1))


def old_transcribe_mono(model, path: Path, language: str) -> dict:
    """What transcribe_file did before chunking: decode everything, transcribe it at once."""
    audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    segments, _ = model.transcribe(audio, language=language, beam_size=5, word_timestamps=True,
                                   vad_filter=False, vad_parameters=None, hotwords=None)
    found = [part for s in segments for part in split_at_pauses(to_segment(s, "unknown"))]
    return {"language": language, "audio_duration_s": round(audio.size / SAMPLE_RATE, 3), "channels": 1,
            "segments": attribute_speakers(found, audio, language)}


@pytest.fixture
def two_phrases(tmp_path, speak) -> Path:
    """Mono: one phrase, 8 s of silence, another phrase (about 16 s in all)."""
    first = speak("Thank you for calling, my name is Anna.", name="first")
    second = speak("Your parcel will arrive on Friday morning.", name="second")
    out = tmp_path / "two-phrases.wav"
    gapped = tmp_path / "gapped.wav"
    sox(first, gapped, "pad", 0, 8)
    sox(gapped, second, out)
    return out


def words(body: dict) -> list[str]:
    return [re.sub(r"[^\w']", "", w["word"]).lower() for s in body["segments"] for w in s["words"]]


def test_a_normal_call_transcribes_exactly_as_before(whisper_model, two_phrases):
    assert transcribe_file(whisper_model, two_phrases, "en") == old_transcribe_mono(
        whisper_model, two_phrases, "en")


def test_a_long_call_is_transcribed_chunk_by_chunk_in_recording_time(whisper_model, two_phrases):
    whole = transcribe_file(whisper_model, two_phrases, "en")
    chunked = transcribe_file(whisper_model, two_phrases, "en", chunk_s=8)
    assert chunked["audio_duration_s"] == whole["audio_duration_s"]
    assert len(list(decode_chunks(two_phrases, 1, chunk_s=8))) == 2
    # Each chunk is its own Whisper context, so a word may be heard differently; the content and
    # the times stay.
    heard, before = set(words(chunked)), set(words(whole))
    assert {"thank", "calling", "arrive", "friday"} <= heard and len(heard & before) >= 0.75 * len(before)
    friday = [w for s in chunked["segments"] for w in s["words"] if "friday" in w["word"].lower()]
    expected = [w for s in whole["segments"] for w in s["words"] if "friday" in w["word"].lower()]
    assert friday[0]["start"] > 8 and friday[0]["start"] == pytest.approx(expected[0]["start"], abs=0.5)
