"""The trained speaker encoder (agents/speakers/ge2e.py) on real speech, and how its weights are
read. The hard case is one neural voice (piper's en_US-joe-medium) against itself 3 semitones
lower and slower, as bench/qa_eval renders its mono calls: the hand-made voice prints mostly see
one voice there (bench.speaker_attribution), the encoder must see two."""
from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

from agents.speakers import ge2e, voice_track, voice_windows
from agents.speakers.encoder_weights import load_weights, read_legacy_checkpoint
from agents.asr import decode_channels, transcribe_file
from bench.qa_eval.calls import EvalCall, Turn
from bench.qa_eval.render import render_call

DIALOGUE = [("agent", "Good morning, you're through to Harbour Energy, my name is Priya. How can I help?"),
            ("client", "Hi, yes, I've had a bill that's about twice what I normally pay and I don't understand why."),
            ("agent", "I'm sorry about that. Can I take your account number or the first line of your address?"),
            ("client", "It's on the letter somewhere, hang on. Right, I've found it, it's the reference at the top."),
            ("agent", "Thank you. I can see the last reading was estimated, which is why the bill went up."),
            ("client", "Estimated? Nobody asked me for a reading. So what happens now, do I have to pay it?"),
            ("agent", "No. If you give me a reading today I'll re-issue the bill and the difference comes off."),
            ("client", "Okay, that's a relief. I'll go and read the meter and call you back this afternoon.")]


def dialogue_call(turns) -> EvalCall:
    return EvalCall(id="encoder-test", language="en", stereo=False, project="support-en", split="calibrate",
                    turns=tuple(Turn(speaker, text) for speaker, text in turns), labels={}, summary_facts=(),
                    planted_pii=())


@pytest.fixture(scope="module")
def same_man_dialogue(tmp_path_factory):
    """8 kHz mu-law mono with line noise, agent and client the same piper voice 3 semitones apart."""
    rendered = render_call(dialogue_call(DIALOGUE), "piper", cache_dir=tmp_path_factory.mktemp("render"))
    return rendered.path, [(t.speaker, t.start, t.end) for t in rendered.timings]


@pytest.fixture(scope="module")
def one_voice_recording(tmp_path_factory):
    """The same words, every turn spoken by the agent's voice."""
    rendered = render_call(dialogue_call([("agent", text) for _, text in DIALOGUE]), "piper",
                           cache_dir=tmp_path_factory.mktemp("render"))
    return rendered.path


def speaker_at(turns, t: float) -> str | None:
    return next((speaker for speaker, start, end in turns if start - 0.1 <= t <= end + 0.1), None)


def test_the_weights_are_the_encoders_network():
    weights = load_weights()
    assert weights["lstm.weight_ih_l0"].shape == (1024, 40)
    assert all(weights[f"lstm.weight_hh_l{i}"].shape == (1024, 256) for i in range(3))
    assert weights["linear.weight"].shape == (256, 256)
    assert all(np.isfinite(w).all() and w.dtype == np.float32 for w in weights.values())


def test_embeddings_are_unit_length_and_deterministic(same_man_dialogue):
    audio = decode_channels(same_man_dialogue[0], 1)[0]
    times, first = voice_windows(audio, "ge2e")
    _, again = voice_windows(audio, "ge2e")
    assert first.shape == (len(times), 256) and len(times) >= 20
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(first, again)


def test_the_encoder_tells_apart_one_voice_and_itself_three_semitones_lower(same_man_dialogue):
    # (The hand-made prints mostly see one voice here; piper's rendering varies from run to run,
    # so how often is a figure of bench.speaker_attribution, not a test.)
    path, turns = same_man_dialogue
    audio = decode_channels(path, 1)[0]
    track = voice_track(*voice_windows(audio, "ge2e"), "ge2e")
    assert track.two_voices
    truth = [speaker_at(turns, t) for t in track.times]
    known = [i for i, speaker in enumerate(truth) if speaker]
    agent_voice = np.array([truth[i] == "agent" for i in known])
    same = float(np.mean(track.voice[known] == agent_voice))
    assert max(same, 1 - same) >= 0.9  # windows labelled with the voice of their turn


def test_one_voice_is_not_split_in_two(one_voice_recording):
    audio = decode_channels(one_voice_recording, 1)[0]
    assert not voice_track(*voice_windows(audio, "ge2e"), "ge2e").two_voices


def test_silence_has_no_embeddings_and_no_track():
    times, embeddings = ge2e.window_embeddings(np.zeros(16000 * 5, dtype=np.float32))
    assert times.shape == (0,) and embeddings.shape == (0, 256)
    assert not ge2e.track_from_embeddings(times, embeddings).two_voices


@pytest.mark.models
def test_a_same_voice_mono_dialogue_is_attributed_word_by_word(whisper_model, same_man_dialogue):
    path, turns = same_man_dialogue
    body = transcribe_file(whisper_model, path, "en", batch_size=8, beam_size=2)
    assert word_accuracy(body, turns) >= 0.85


def word_accuracy(body, turns) -> float:
    words = [(s["speaker"], speaker_at(turns, (w["start"] + w["end"]) / 2))
             for s in body["segments"] for w in s["words"]]
    words = [(said, true) for said, true in words if true]
    assert len(words) >= 100
    return sum(said == true for said, true in words) / len(words)


def test_the_checkpoint_reader_imports_nothing_it_was_not_built_for():
    """A pickle that names os.system must not run it: unknown globals become inert."""
    class Boom:
        def __reduce__(self):
            import os
            return os.system, ("echo pwned > /dev/null",)

    stream = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(header, stream, protocol=2)
    pickle.dump({"model_state": {"x": Boom()}}, stream, protocol=2)
    pickle.dump([], stream, protocol=2)
    stream.seek(0)
    assert read_legacy_checkpoint(stream) == {"model_state": {"x": None}}


def test_a_wheel_of_another_checksum_is_refused_and_nothing_is_written(tmp_path):
    from agents.speakers.encoder_weights import convert_wheel

    wheel = tmp_path / "Resemblyzer-0.1.4-py3-none-any.whl"
    wheel.write_bytes(b"not the wheel")
    target = tmp_path / "weights.npz"
    with pytest.raises(ValueError, match="sha256"):
        convert_wheel(wheel, target)
    assert list(tmp_path.iterdir()) == [wheel]
