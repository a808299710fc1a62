"""ASR throughput on a realistic mix: the pipeline's transcribe stage vs the naive raw run.

The mix (bench/asr_mix): labelled English calls spoken by the piper voice, 20-40 % silence at turn
changes, hold music in every third call, half of them stereo, line noise, 8 kHz mu-law.

- Naive baseline: faster-whisper alone, one file after another, beam 5, no batching, word
  timestamps, VAD only on the sides of a stereo call (mono is decoded whole, silence and all).
- Pipeline: `agents.asr.transcribe_file` (decode, ASR, merge, speaker attribution on mono)
  with each configuration given: `b<batch>-beam<beam>[-vad][-pad<ms>][-sil<ms>]`, batch 0
  meaning the sequential decoder, `-vad` VAD on mono too (batching always cuts at VAD pauses),
  `-pad` the speech padding the VAD keeps around speech (faster-whisper's default 400 ms), `-sil`
  the pause that ends a speech segment (the pipeline's default 500 ms), `-ts` the batched decoder
  predicting timestamp tokens too (faster-whisper's batched default is text only), `-first<k>`
  every chunk decoded with beam k first and only the suspicious ones again with the configured
  beam (agents.asr_fallback; `b8-beam2-first1`: greedy, beam 2 where greedy looks wrong), `-once`
  a batched chunk whose decoding stops early is left as it is (before session 7 the pipeline did
  not decode on from where it stopped: agents.asr_fallback.leftover_clip).

Files are interleaved (each file through the baseline, then every configuration) so all runs
share the machine's noise. Wall and process-CPU seconds and WER against the scripts (words
normalised as bench/qa_eval does) per configuration. Settings are chosen on the calibrate split
and reported on the report split, which prints its aggregate only (no per-call lines).

    .venv/bin/python -m bench.asr_throughput --split calibrate --configs b0-beam5-vad b8-beam5 b8-beam1
    .venv/bin/python -m bench.asr_throughput --split report --configs b8-beam5
"""
from __future__ import annotations

import argparse
import os
import re
import time
from collections import defaultdict

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import jiwer  # noqa: E402

from agents import asr_fallback  # noqa: E402
from agents.asr import VAD_PARAMETERS, count_channels, transcribe_file  # noqa: E402
from agents.transcribe import load_model  # noqa: E402
from bench.asr_mix import mix_call  # noqa: E402
from bench.qa_eval.calls import load_calls, select  # noqa: E402
from bench.qa_eval.metrics import normalise_words  # noqa: E402
from streams.settings import Settings  # noqa: E402

NAIVE = "naive raw"


def parse_config(name: str) -> dict:
    match = re.fullmatch(r"b(\d+)-beam(\d+)(-vad)?(?:-pad(\d+))?(?:-sil(\d+))?(-ts)?(?:-first(\d+))?(-once)?", name)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{name!r}: expected b<batch>-beam<beam>[-vad][-pad<ms>][-sil<ms>][-ts][-first<beam>][-once]")
    vad = dict(VAD_PARAMETERS)
    if match[4]:
        vad["speech_pad_ms"] = int(match[4])
    if match[5]:
        vad["min_silence_duration_ms"] = int(match[5])
    return {"batch_size": int(match[1]), "beam_size": int(match[2]), "vad_mono": bool(match[3]),
            "vad_parameters": vad, "timestamp_tokens": bool(match[6]),
            "first_beam_size": int(match[7]) if match[7] else None,
            "passes_on": 0 if match[8] else asr_fallback.MAX_TAIL_PASSES}


def naive_text(model, path) -> str:
    from faster_whisper import decode_audio
    stereo = count_channels(path) == 2
    audio = decode_audio(str(path), split_stereo=stereo)
    parts = []
    for channel in (audio if stereo else [audio]):
        segments, _ = model.transcribe(channel, language="en", beam_size=5, word_timestamps=True,
                                       vad_filter=stereo)
        parts += [(s.start, s.text) for s in segments]
    return " ".join(text for _, text in sorted(parts))


def pipeline_text(model, path, config: dict) -> str:
    asr_fallback.MAX_TAIL_PASSES = config["passes_on"]  # the module's own setting, per configuration
    body = transcribe_file(model, path, "en", config["beam_size"], batch_size=config["batch_size"],
                           vad_mono=config["vad_mono"], vad_parameters=config["vad_parameters"],
                           timestamp_tokens=config["timestamp_tokens"],
                           first_beam_size=config["first_beam_size"])
    return " ".join(s["text"] for s in body["segments"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="report", choices=("calibrate", "report", "all"))
    parser.add_argument("--calls", type=int, default=None, help="at most this many calls")
    parser.add_argument("--configs", nargs="+", default=["b8-beam5"])
    args = parser.parse_args()
    configs = {name: parse_config(name) for name in args.configs}

    settings = Settings()
    model = load_model(settings)
    calls = select(load_calls(), split=args.split, language="en", limit=args.calls)
    mixed = [mix_call(call, i) for i, call in enumerate(calls)]
    naive_text(model, mixed[0].path)  # warm-up: first-call costs, not counted
    wall, cpu = defaultdict(float), defaultdict(float)
    refs, hyps = [], defaultdict(list)
    for item in mixed:
        refs.append(normalise_words(item.reference))
        runs = [(NAIVE, lambda: naive_text(model, item.path))] + [
            (name, lambda c=config: pipeline_text(model, item.path, c)) for name, config in configs.items()]
        for name, run in runs:
            t, c = time.perf_counter(), time.process_time()
            text = run()
            wall[name] += time.perf_counter() - t
            cpu[name] += time.process_time() - c
            hyps[name].append(normalise_words(text) or "<empty>")
        if args.split == "report":  # the report half gives its aggregate only, never per call
            print(f"  {len(refs)}/{len(mixed)} calls done", flush=True)
            continue
        print(f"  {item.call.id}: {item.duration_s:.0f} s, stereo {item.call.stereo}, "
              f"silence+music {item.silence_s:.0f} s, " + ", ".join(
                  f"{name} {jiwer.wer(refs[-1], hyps[name][-1]):.3f}" for name, _ in runs), flush=True)

    audio_s = sum(m.duration_s for m in mixed)
    added = sum(m.silence_s for m in mixed)
    print(f"\n{len(mixed)} calls ({sum(m.call.stereo for m in mixed)} stereo, "
          f"{sum(m.music_s > 0 for m in mixed)} with hold music), {audio_s:.0f} s audio, "
          f"{100 * added / audio_s:.0f} % added silence and music; model {settings.asr_model}, "
          f"{settings.asr_threads} threads, int8; load average {os.getloadavg()[0]:.1f}")
    print(f"{'run':16} {'wall s':>8} {'x real time':>11} {'vs naive':>9} {'CPU s':>8} {'CPU vs naive':>12} {'WER':>7}")
    for name in [NAIVE, *configs]:
        print(f"{name:16} {wall[name]:8.1f} {audio_s / wall[name]:11.1f} {wall[NAIVE] / wall[name]:9.2f} "
              f"{cpu[name]:8.1f} {cpu[NAIVE] / cpu[name]:12.2f} {jiwer.wer(refs, hyps[name]):7.3f}")


if __name__ == "__main__":
    main()
