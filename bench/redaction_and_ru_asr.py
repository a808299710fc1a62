"""Redaction time per 5-minute transcript (English, Russian) and Russian ASR real-time factor.

    HF_HUB_OFFLINE=1 python -m bench.redaction_and_ru_asr [--asr]

A 5-minute transcript is the demo call's turns repeated to ~750 words (150 words a minute), one
segment per turn, as the redact stage receives it. --asr also transcribes the rendered Russian
demo call with the multilingual base model (language pinned) as the transcribe stage does (batch
size from the settings) and prints its real-time factor and WER against the script; --beams
repeats that for each beam size given (the settings' beam by default).

    HF_HUB_OFFLINE=1 python -m bench.redaction_and_ru_asr --asr --beams 5 3 2 1
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from agents.redact.agent import analyzer_for
from agents.redact.engine import policy_for
from agents.redact.transcript import redact_transcript
from agents.transcribe import beam_size
from aica.samples import find_leaks, load_samples, render_sample
from catalog.projects import load_catalog
from streams.settings import Settings

WORDS_PER_5_MIN = 750


def five_minute_transcript(sample) -> dict:
    segments, words, start = [], 0, 0.0
    while words < WORDS_PER_5_MIN:
        for turn in sample.turns:
            tokens = turn.text.split()
            duration = len(tokens) / 2.5
            segments.append({"start": start, "end": start + duration, "speaker": "unknown",
                             "text": turn.text,
                             "words": [{"start": start + i * 0.4, "end": start + (i + 1) * 0.4,
                                        "word": " " + t, "probability": 0.9}
                                       for i, t in enumerate(tokens)]})
            start, words = start + duration + 0.4, words + len(tokens)
    return {"language": sample.language, "audio_duration_s": start, "channels": 1,
            "segments": segments}


def time_redaction(sample, keep_terms: tuple[str, ...],
                   repeats: int = 3) -> tuple[float, float, int, list]:
    """Best wall and CPU seconds of `repeats` runs (CPU time is steadier on a shared machine)."""
    transcript = five_minute_transcript(sample)
    policy = policy_for(sample.language)
    analyzer = analyzer_for(sample.language)
    redact_transcript(analyzer, transcript, policy, keep_terms)  # warm-up (lazy model loads)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = redact_transcript(analyzer, transcript, policy, keep_terms)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    stored = " ".join(s["text"] for s in out["segments"])
    return best, best_cpu, len(transcript["segments"]), find_leaks(sample.planted_pii, stored)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asr", action="store_true", help="also time Russian ASR (base)")
    parser.add_argument("--beams", type=int, nargs="+", help="beam sizes for --asr (default: the settings')")
    args = parser.parse_args()
    settings = Settings()
    catalog = load_catalog(settings)
    samples = {s.id: s for s in load_samples()}
    for sample_id in ("good_billing_refund", "ru_billing_double_charge"):
        sample = samples[sample_id]
        keep = catalog.resolve("bench", sample.line).redaction_keep_terms
        seconds, cpu, segments, leaks = time_redaction(sample, keep)
        print(f"redaction {sample.language}: {seconds:.2f} s wall, {cpu:.2f} s CPU per 5-minute "
              f"transcript ({segments} segments), leaks={leaks}")
    if args.asr:
        time_russian_asr(settings, catalog, samples["ru_billing_double_charge"],
                         args.beams or [beam_size(settings, "ru")])


def time_russian_asr(settings: Settings, catalog, sample, beams: list[int]) -> None:
    """Wall, CPU and WER of the sample transcribed with each beam size (a warm-up run first)."""
    import jiwer

    from agents.asr import transcribe_file
    from agents.transcribe import asr_plan, first_beam_size, load_model
    from bench.qa_eval.metrics import normalise_words

    project = catalog.resolve("bench", sample.line)
    plan = asr_plan(settings, sample.language, project)
    first_beam = first_beam_size(settings, plan.language)
    model = load_model(settings, plan.model)
    reference = normalise_words(" ".join(turn.text for turn in sample.turns))
    with tempfile.TemporaryDirectory() as tmp:
        audio = render_sample(sample, Path(tmp))
        for beam in [beams[0], *beams]:  # the first run only warms up
            started, started_cpu = time.perf_counter(), time.process_time()
            body = transcribe_file(model, audio, plan.language, beam, hotwords=plan.hotwords,
                                   batch_size=settings.asr_batch_size,
                                   first_beam_size=first_beam)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            text = " ".join(s["text"] for s in body["segments"])
            duration = body["audio_duration_s"]
            first = f", first beam {first_beam}" if first_beam else ""
            print(f"asr ru ({plan.model}, beam {beam}, batch {settings.asr_batch_size}{first}): {duration:.1f} s "
                  f"audio in {elapsed:.1f} s wall = {duration / elapsed:.2f}x real time ({cpu:.1f} s CPU), "
                  f"WER {jiwer.wer(reference, normalise_words(text) or '<empty>'):.3f}")
    print("  text:", text[:300])

if __name__ == "__main__":
    main()
