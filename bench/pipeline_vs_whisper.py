"""N sample calls through the whole pipeline vs raw faster-whisper on the same audio.

Baseline: faster-whisper alone (same model, compute type, threads, beam and per-channel VAD as
the transcribe stage), one file after another. Pipeline: the embedded stack (local broker,
gateway, sandbox portal, one worker) from the first event the portal sends until every call's
CRM fields are written, measured after the worker has started and loaded its models (the
start-up time is printed separately). Both run in one invocation on this machine, back to back.

    .venv/bin/python -m bench.pipeline_vs_whisper --calls 4
"""
from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.transcribe import count_channels, load_model  # noqa: E402
from aica.demo import place_calls, wait_for_crm  # noqa: E402
from aica.embedded import EmbeddedStack  # noqa: E402
from aica.samples import load_samples, render_sample  # noqa: E402
from streams.settings import Settings  # noqa: E402


def raw_whisper_seconds(settings: Settings, paths: list[Path]) -> tuple[float, float]:
    """(model load seconds, transcription seconds for all files)."""
    from faster_whisper import decode_audio
    started = time.perf_counter()
    model = load_model(settings)
    loaded = time.perf_counter()
    for path in paths:
        stereo = count_channels(path) == 2
        audio = decode_audio(str(path), split_stereo=stereo)
        for channel in (audio if stereo else [audio]):
            segments, _ = model.transcribe(channel, language="en", beam_size=settings.asr_beam_size,
                                           word_timestamps=True, vad_filter=stereo)
            list(segments)  # decoding happens while iterating
    return loaded - started, time.perf_counter() - loaded


async def pipeline_seconds(settings: Settings, samples, audio_dir: Path) -> tuple[float, float]:
    """(stack start seconds, seconds from placing the calls to the last CRM write)."""
    started = time.perf_counter()
    stack = await EmbeddedStack(settings).start()
    await stack.wait_worker_ready()
    await asyncio.sleep(3)  # let the model warm-up tasks finish: steady state, not cold start
    up = time.perf_counter()
    try:
        t0 = time.perf_counter()
        calls = await place_calls(stack.sandbox_url, samples, audio_dir, record_delay_s=0.5)
        await wait_for_crm(stack.sandbox_url, calls, timeout_s=1800, worker_alive=stack.worker_alive)
        return up - started, time.perf_counter() - t0
    finally:
        await stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--port", type=int, default=19192, help="local broker port for the run")
    args = parser.parse_args()

    samples = (load_samples() * args.calls)[: args.calls]
    with tempfile.TemporaryDirectory(prefix="aica-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "var", kafka_bootstrap=f"127.0.0.1:{args.port}",
                            gateway_port=0, retry_delays_s=[0.5, 1, 2], recording_wait_attempts=20)
        audio_dir = Path(tmp) / "audio"
        paths = [render_sample(s, audio_dir) for s in samples]
        audio_s = sum(_duration(p) for p in paths)

        # Baseline before and after the pipeline: the machine's noise shows in their spread.
        load_s, whisper_before = raw_whisper_seconds(settings, paths)
        stack_s, pipeline_s = asyncio.run(pipeline_seconds(settings, samples, audio_dir))
        _, whisper_after = raw_whisper_seconds(settings, paths)
        whisper_s = min(whisper_before, whisper_after)

    print(f"calls: {len(paths)}   audio: {audio_s:.1f} s   model: {settings.asr_model}, "
          f"{settings.asr_threads} threads, beam {settings.asr_beam_size}")
    print(f"raw faster-whisper:  {whisper_s:7.1f} s  ({audio_s / whisper_s:.1f}x real time; best of "
          f"{whisper_before:.1f} s before and {whisper_after:.1f} s after the pipeline; model load {load_s:.1f} s)")
    print(f"pipeline end to end: {pipeline_s:7.1f} s  ({audio_s / pipeline_s:.1f}x real time; "
          f"stack start incl. worker join and model warm-up {stack_s:.1f} s)")
    print(f"overhead ratio pipeline / raw whisper: {pipeline_s / whisper_s:.2f}")


def _duration(path: Path) -> float:
    import wave
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


if __name__ == "__main__":
    main()
