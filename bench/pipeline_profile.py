"""Where a call's CPU goes, stage by stage, in one process and one thread at a time.

The same sample calls as bench/pipeline_vs_whisper, each through: raw faster-whisper (the
baseline: model.transcribe alone), then the pipeline's own functions in turn (decode, whisper as
the transcribe stage calls it, speaker attribution, redaction, semantic analysis, scoring).
Nothing runs concurrently, so each part's process CPU seconds are its own; the pipeline's extra
work is the sum of the non-whisper parts against the raw run.

    .venv/bin/python -m bench.pipeline_profile --calls 8
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.analyze.rules import analyze_with_rules  # noqa: E402
from agents.redact.agent import analyzer_for, redact_record  # noqa: E402
from agents.score import score_call  # noqa: E402
from agents.speakers import attribute_speakers  # noqa: E402
from agents.asr import (DEFAULT_CHANNEL_SPEAKERS, VAD_PARAMETERS, count_channels,  # noqa: E402
                        decode_channels, transcribe_channel)
from agents.transcribe import load_model  # noqa: E402
from aica.samples import load_samples, render_sample  # noqa: E402
from catalog.projects import load_catalog  # noqa: E402
from streams.settings import Settings  # noqa: E402


class Clock:
    """Wall and process-CPU seconds per named part, summed over calls."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def run(self, part: str, fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(*args, **kwargs)
        self.wall[part] += time.perf_counter() - wall
        self.cpu[part] += time.process_time() - cpu
        return result


def profile_call(clock: Clock, model, settings: Settings, catalog, sample, path: Path) -> None:
    project = next(p for p in catalog.projects.values() if p.language == "en")
    channels = count_channels(path)
    stereo = channels == 2

    def raw() -> None:  # decoding as the stage does (batched by default), without the pipeline
        from faster_whisper import BatchedInferencePipeline, decode_audio
        audio = decode_audio(str(path), split_stereo=stereo)
        for channel in (audio if stereo else [audio]):
            options = dict(language="en", beam_size=settings.asr_beam_size, word_timestamps=True)
            if settings.asr_batch_size:
                segments, _ = BatchedInferencePipeline(model).transcribe(
                    channel, batch_size=settings.asr_batch_size, vad_parameters=VAD_PARAMETERS, **options)
            else:
                segments, _ = model.transcribe(channel, vad_filter=stereo, **options)
            list(segments)
    clock.run("raw faster-whisper (baseline)", raw)

    audio = clock.run("decode", decode_channels, path, channels)
    speakers = DEFAULT_CHANNEL_SPEAKERS if stereo else ("unknown",)
    segments = clock.run("whisper", lambda: sorted(
        (s for side, who in zip(audio, speakers)
         for s in transcribe_channel(model, side, who, "en", settings.asr_beam_size, vad=stereo,
                                     batch_size=settings.asr_batch_size)),
        key=lambda s: (s["start"], s["end"])))
    if not stereo:
        segments = clock.run("speaker attribution", attribute_speakers, segments, audio[0], "en")
    context = {"call_id": sample.id, "member_id": "bench", "project": project.name, "language": "en",
               "versions": {}}
    transcript = {"language": "en", "audio_duration_s": audio[0].size / 16000, "channels": channels,
                  "segments": segments, "context": context, "audio_uri": "bench://"}
    redacted = clock.run("redaction", redact_record, transcript, project.redaction_keep_terms)
    scorecard = catalog.scorecard(project.scorecard)
    analysis = clock.run("analysis (semantic)", analyze_with_rules, redacted, scorecard)
    clock.run("score", score_call, analysis, scorecard)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=None, help="asr_batch_size (0: sequential)")
    args = parser.parse_args()
    settings = Settings(**({} if args.batch_size is None else {"asr_batch_size": args.batch_size}))
    catalog = load_catalog(settings)
    samples = (load_samples() * args.calls)[: args.calls]
    model = load_model(settings)
    analyzer_for("en")
    with tempfile.TemporaryDirectory(prefix="aica-profile-") as tmp:
        paths = [render_sample(s, Path(tmp)) for s in samples]
        # Warm-up (model loads, first-call caches), not counted.
        profile_call(Clock(), model, settings, catalog, samples[0], paths[0])
        clock = Clock()
        for sample, path in zip(samples, paths):
            profile_call(clock, model, settings, catalog, sample, path)
    raw_part = "raw faster-whisper (baseline)"
    pipeline_parts = [p for p in clock.cpu if p != raw_part]
    print(f"calls: {len(samples)}   model {settings.asr_model}, {settings.asr_threads} threads, "
          f"beam {settings.asr_beam_size}, batch {settings.asr_batch_size}   load average {os.getloadavg()[0]:.1f}")
    print(f"{'part':34} {'wall s':>8} {'CPU s':>8} {'CPU / raw':>10}")
    for part in [raw_part] + pipeline_parts:
        print(f"{part:34} {clock.wall[part]:8.2f} {clock.cpu[part]:8.2f} "
              f"{clock.cpu[part] / clock.cpu[raw_part]:10.3f}")
    total = sum(clock.cpu[p] for p in pipeline_parts)
    print(f"{'pipeline parts together':34} {sum(clock.wall[p] for p in pipeline_parts):8.2f} {total:8.2f} "
          f"{total / clock.cpu[raw_part]:10.3f}")


if __name__ == "__main__":
    main()
