"""A realistic telephony mix for ASR throughput: the labelled calls spoken by the piper voice
(bench/qa_eval/render), with 20-40 % silence added at turn changes, hold music (a synthetic tone
melody) in some calls, every other call stereo as the labelled set has it, line noise over
everything, 8 kHz mu-law. Cached by recipe beside the rendered calls."""
from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.qa_eval.calls import EvalCall
from bench.qa_eval.render import CACHE_DIR, NOISE_AMPLITUDE, SAMPLE_RATE, render_call

MIX_VERSION = 1
# A "please hold" tune: note frequencies (Hz) and lengths (s), looped, with a soft square-ish timbre.
HOLD_TUNE = ((523.3, 0.4), (659.3, 0.4), (784.0, 0.4), (659.3, 0.4), (587.3, 0.8), (523.3, 0.8))


@dataclass(frozen=True)
class MixedCall:
    call: EvalCall
    path: Path
    duration_s: float
    silence_s: float  # added silence and hold music together
    music_s: float
    reference: str  # the script's words, turn by turn


def hold_music(seconds: float) -> np.ndarray:
    notes, t = [], 0.0
    while t < seconds:
        for freq, length in HOLD_TUNE:
            x = np.arange(int(length * SAMPLE_RATE)) / SAMPLE_RATE
            tone = np.sin(2 * np.pi * freq * x) + 0.3 * np.sin(2 * np.pi * 3 * freq * x)
            notes.append(0.15 * tone * np.minimum(1, np.minimum(x, length - x) / 0.03))  # no clicks
            t += length
    return np.concatenate(notes)[: int(seconds * SAMPLE_RATE)]


def _read(path: Path) -> np.ndarray:
    """(samples, channels) float in [-1, 1] of an 8 kHz WAV (mu-law decoded by sox)."""
    out = subprocess.run(["sox", str(path), "-t", "raw", "-e", "signed", "-b", "16", "-"],
                         check=True, capture_output=True).stdout
    channels = int(_soxi("-c", path))
    return np.frombuffer(out, dtype="<i2").reshape(-1, channels).astype(np.float32) / 32768


def _soxi(flag: str, path: Path) -> str:
    return subprocess.run(["soxi", flag, str(path)], check=True, capture_output=True, text=True).stdout


def _write_mulaw(audio: np.ndarray, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        pcm = Path(tmp) / "pcm.wav"
        with wave.open(str(pcm), "wb") as wav:
            wav.setnchannels(audio.shape[1]), wav.setsampwidth(2), wav.setframerate(SAMPLE_RATE)
            wav.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
        encoded = Path(tmp) / "call.wav"
        subprocess.run(["sox", str(pcm), "-e", "mu-law", "-b", "8", str(encoded)], check=True, capture_output=True)
        encoded.replace(target)


def mix_call(call: EvalCall, index: int, cache_dir: Path = CACHE_DIR) -> MixedCall:
    """The call with silence (20-40 % of the result, varying by index) at turn changes and, in
    every third call, 12-20 s of hold music after the agent's second turn."""
    rendered = render_call(call, "piper", cache_dir)
    rng = np.random.default_rng(index)
    silence_share = 0.2 + 0.2 * rng.random()
    music_s = 12.0 + 8 * rng.random() if index % 3 == 0 else 0.0
    recipe = [MIX_VERSION, str(rendered.path.name), round(silence_share, 4), round(music_s, 2), HOLD_TUNE]
    digest = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:12]
    target = cache_dir / "mix" / f"{call.id}-{digest}.wav"
    speech = _read(rendered.path)
    # The added silence is silence_share of the final length (speech + music + silence).
    added_s = silence_share * (len(speech) / SAMPLE_RATE + music_s) / (1 - silence_share)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        cuts = [int(t.end * SAMPLE_RATE) for t in rendered.timings[:-1]]
        weights = rng.random(len(cuts))
        pauses = added_s * weights / weights.sum()
        pieces, last = [], 0
        music_after = 2 if music_s else -1  # the agent's second turn: "let me check, please hold"
        for i, (cut, pause) in enumerate(zip(cuts, pauses)):
            pieces.append(speech[last:cut])
            gap = np.zeros((int(pause * SAMPLE_RATE), speech.shape[1]), np.float32)
            if i == music_after:
                tune = hold_music(music_s)[:, None].repeat(speech.shape[1], axis=1)
                gap = np.concatenate([gap[: len(gap) // 2], tune, gap[len(gap) // 2:]])
            pieces.append(gap)
            last = cut
        pieces.append(speech[last:])
        audio = np.concatenate(pieces)
        audio += rng.normal(0, NOISE_AMPLITUDE, audio.shape).astype(np.float32)  # the line under it all
        _write_mulaw(audio, target)
    return MixedCall(call, target, float(_soxi("-D", target)), added_s + music_s, music_s,
                     " ".join(t.text for t in call.turns))
