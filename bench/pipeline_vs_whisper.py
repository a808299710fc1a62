"""N sample calls through the whole pipeline vs raw faster-whisper on the same audio.

Baseline: faster-whisper alone (same model per call, language, hotwords, compute type, threads,
beam, batching and VAD as the transcribe stage), one file after another. Pipeline: the embedded stack (local broker,
gateway, sandbox portal, one worker) from placing the calls on the portal until the portal receives
the last call's CRM write (by the portal's own clock), measured after the worker has started and loaded its models (the
start-up time is printed separately). Rounds of both alternate on one running stack so they
share the machine's noise; CPU seconds are printed beside wall time, and the worker's own
metrics split its time by stage and the ASR stage into decode / whisper / speaker attribution,
and its log gives each call's span on the ASR thread: a round's wall time is split into the
lead-in, the ASR thread's time, the gaps between calls on it, and the tail (bench.asr_timeline).

    .venv/bin/python -m bench.pipeline_vs_whisper --calls 8 --rounds 2
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agents.analyze import agent as analyze_agent  # noqa: E402
from agents.asr import VAD_PARAMETERS, count_channels  # noqa: E402
from agents.transcribe import AsrPlan, asr_plan, beam_size, load_model  # noqa: E402
from aica.demo import place_calls, updated_entity, wait_for_crm, wanted_entities  # noqa: E402
from aica.embedded import EmbeddedStack  # noqa: E402
from aica.samples import load_samples, render_sample  # noqa: E402
from bench.asr_timeline import call_spans, timeline  # noqa: E402
from bench.varied_calls import calls_per_round  # noqa: E402
from catalog.projects import load_catalog  # noqa: E402
from streams.settings import Settings  # noqa: E402


class Timing(NamedTuple):
    wall_s: float
    cpu_s: float  # CPU seconds of the process(es) doing the work, all threads


def call_plans(settings: Settings, samples) -> list[AsrPlan]:
    """What the transcribe stage uses for each sample call: its project's model, language and
    vocabulary (a Russian sample gets the multilingual model, as in the worker)."""
    catalog = load_catalog(settings)
    return [asr_plan(settings, s.language, next((p for p in catalog.projects.values()
                                                 if p.language == s.language), None)) for s in samples]


def raw_whisper(settings: Settings, paths: list[Path], plans: list[AsrPlan]) -> Timing:
    """faster-whisper alone, one file after another, in this process, with each call's model,
    language and hotwords (`plans`, as the stage picks them) and decoding as the stage does:
    batched (VAD-cut chunks) when settings.asr_batch_size > 0, else sequential with VAD on
    stereo sides (and on mono with asr_vad_mono)."""
    from faster_whisper import BatchedInferencePipeline, decode_audio
    models = {plan.model: load_model(settings, plan.model) for plan in plans}
    batched = {name: BatchedInferencePipeline(model) for name, model in models.items()}
    wall, cpu = time.perf_counter(), time.process_time()
    for path, plan in zip(paths, plans):
        model = models[plan.model]
        stereo = count_channels(path) == 2
        audio = decode_audio(str(path), split_stereo=stereo)
        for channel in (audio if stereo else [audio]):
            options = dict(language=plan.language, beam_size=beam_size(settings, plan.language), word_timestamps=True,
                           vad_parameters=VAD_PARAMETERS, hotwords=plan.hotwords)
            if settings.asr_batch_size:
                segments, _ = batched[plan.model].transcribe(channel, batch_size=settings.asr_batch_size, **options)
            else:
                vad = stereo or settings.asr_vad_mono
                segments, _ = model.transcribe(channel, vad_filter=vad, **{**options, "vad_parameters":
                                                                            VAD_PARAMETERS if vad else None})
            list(segments)  # decoding happens while iterating
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds of a live process's threads, summed by thread name (the worker names its ASR,
    text-models and ClickHouse threads, and the OpenMP threads they start inherit the name;
    "python" is the event loop and unnamed pools). Threads that ended are missing: their CPU shows
    only in process_cpu_s."""
    found: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        group = "clickhouse (chdb's own threads)" if not name.startswith(("aica-", "python")) else name
        found[group] = found.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


async def worker_metrics(port: int) -> dict[tuple[str, str], float]:
    """{(sample name, stage or part label): value} of the worker's /metrics sums and counts."""
    import aiohttp
    from prometheus_client.parser import text_string_to_metric_families
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith(("_sum", "_count", "_total")):
                label = sample.labels.get("stage") or sample.labels.get("part") or ""
                found[(sample.name, label)] = sample.value
    return found


def difference(after: dict, before: dict) -> dict:
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


def last_write_at(updates: list[dict], calls) -> float:
    """When the sandbox portal received the calls' last CRM write (its own clock, this machine's):
    the end of the run to the millisecond, not to wait_for_crm's 1 s polling."""
    wanted = wanted_entities(calls)
    return max(u["at"] for u in updates if updated_entity(u) in wanted)


async def pipeline_run(stack: EmbeddedStack, samples, audio_dir: Path, port: int,
                       record_delay_s: float) -> tuple[Timing, dict]:
    """Place the calls and wait for their last CRM write: (wall and worker CPU, metric deltas)."""
    pid = stack.worker.pid
    worker_log = Path(stack.settings.data_dir) / "worker.log"
    log_from = worker_log.stat().st_size
    before, cpu, threads = await worker_metrics(port), process_cpu_s(pid), thread_cpu_s(pid)
    t0 = time.time()  # the sandbox stamps its updates with time.time()
    calls = await place_calls(stack.sandbox_url, samples, audio_dir, record_delay_s=record_delay_s)
    updates = await wait_for_crm(stack.sandbox_url, calls, timeout_s=1800, worker_alive=stack.worker_alive)
    ended = last_write_at(updates, calls)
    deltas = difference(await worker_metrics(port), before)
    deltas.update({("thread_cpu", name): s for name, s in difference(thread_cpu_s(pid), threads).items()})
    with worker_log.open("rb") as log_file:
        log_file.seek(log_from)
        deltas[("timeline", "")] = timeline(call_spans(log_file.read().decode(errors="replace")), t0, ended)
    return Timing(ended - t0, process_cpu_s(pid) - cpu), deltas


async def measure(settings: Settings, round_samples: list, audio_dir: Path, round_paths: list[list[Path]],
                  port: int, record_delay_s: float):
    """Rounds of (raw faster-whisper, pipeline) on one running stack, interleaved so both see the
    same machine noise. Returns (stack start s, model load s, raws, pipelines, metric deltas)."""
    # The scorecards' example vectors, as a worker finds them after its first start (they are kept
    # in its data directory); otherwise the warm-up's embedding of them (~15 CPU-s) falls inside the
    # first round on the text-models thread.
    await asyncio.to_thread(analyze_agent.warm_up, load_catalog(settings), settings)
    started = time.perf_counter()
    stack = await EmbeddedStack(settings).start()
    try:
        await stack.wait_worker_ready()
        await asyncio.sleep(3)  # let the model warm-up tasks finish: steady state, not cold start
        up = time.perf_counter() - started
        loaded = time.perf_counter()
        round_plans = [call_plans(settings, samples) for samples in round_samples]
        for plan in (p for plans in round_plans for p in plans):
            load_model(settings, plan.model)
        load_s = time.perf_counter() - loaded
        raws, pipes, metrics = [], [], []
        for samples, paths, plans in zip(round_samples, round_paths, round_plans):
            raws.append(await asyncio.to_thread(raw_whisper, settings, paths, plans))
            timing, deltas = await pipeline_run(stack, samples, audio_dir, port, record_delay_s)
            pipes.append(timing)
            metrics.append(deltas)
        return up, load_s, raws, pipes, metrics
    finally:
        await stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved (raw, pipeline) rounds")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="asr_batch_size for both runs (default: the settings' default; 0: sequential)")
    parser.add_argument("--record-delay-s", type=float, default=0.5,
                        help="how long after its event the sandbox portal attaches each recording (the "
                             "pipeline cannot start a call's ASR before; raw faster-whisper has the files at once)")
    parser.add_argument("--vary-calls", action="store_true",
                        help="new calls every round (bench/qa_eval's calibrate calls, bench.varied_calls) instead "
                             "of the demo samples, which later rounds repeat (their text stages then hit the "
                             "worker's sentence cache)")
    parser.add_argument("--port", type=int, default=19192, help="local broker port for the run")
    parser.add_argument("--metrics-port", type=int, default=19199, help="the worker's /metrics port (not the broker port + 1: its controller)")
    args = parser.parse_args()

    if args.vary_calls:
        round_samples = calls_per_round(args.calls, args.rounds)
    else:
        round_samples = [(load_samples() * args.calls)[: args.calls]] * args.rounds
    with tempfile.TemporaryDirectory(prefix="aica-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "var", kafka_bootstrap=f"127.0.0.1:{args.port}",
                            gateway_port=0, retry_delays_s=[0.5, 1, 2], recording_wait_attempts=20,
                            worker_metrics_port=args.metrics_port,
                            **({} if args.batch_size is None else {"asr_batch_size": args.batch_size}),)
        audio_dir = Path(tmp) / "audio"
        round_paths = [[render_sample(s, audio_dir) for s in samples] for samples in round_samples]
        round_audio_s = [sum(_duration(p) for p in paths) for paths in round_paths]
        stack_s, load_s, raws, pipes, metrics = asyncio.run(
            measure(settings, round_samples, audio_dir, round_paths, args.metrics_port, args.record_delay_s))

    print(f"calls: {args.calls} a round ({'new calls every round' if args.vary_calls else 'the same every round'}"
          f")   audio: {', '.join(f'{a:.1f}' for a in round_audio_s)} s   model: {settings.asr_model}, "
          f"{settings.asr_threads} threads, beam {settings.asr_beam_size} (other languages {settings.asr_beam_size_non_english}), "
          f"batch {settings.asr_batch_size}, "
          f"English first beam {settings.asr_first_beam_size or 'off'} (raw: one pass), "
          f"vad on mono {settings.asr_vad_mono}, recordings attached "
          f"{args.record_delay_s:g} s after their events   load average {os.getloadavg()[0]:.1f} (1 min, at the end)")
    print(f"stack start incl. worker join and model warm-up {stack_s:.1f} s; raw model load {load_s:.1f} s")
    for n, (raw, pipe, m, audio_s) in enumerate(zip(raws, pipes, metrics, round_audio_s), 1):
        stage = lambda name: m.get(("aica_stage_seconds_sum", name), 0.0)  # noqa: E731
        part = lambda name: m.get(("aica_asr_part_seconds_sum", name), 0.0)  # noqa: E731
        print(f"round {n}: raw faster-whisper {raw.wall_s:6.1f} s wall, {raw.cpu_s:6.1f} s CPU "
              f"({audio_s / raw.wall_s:.1f}x real time)")
        print(f"         pipeline end to end {pipe.wall_s:6.1f} s wall, worker {pipe.cpu_s:6.1f} s CPU "
              f"-> ratio {pipe.wall_s / raw.wall_s:.2f} wall, {pipe.cpu_s / raw.cpu_s:.2f} CPU")
        # The ASR thread's own time: the stage's time per call now includes waiting behind the
        # call before it (two calls in flight, agents.transcribe.ASR_CALLS_IN_FLIGHT).
        timeline_ = m.get(("timeline", ""))
        on_thread = timeline_.on_asr_thread_s if timeline_ else stage("transcribe")
        print(f"         ASR thread {on_thread:6.1f} s (whisper {part('whisper'):.1f}, decode "
              f"{part('decode'):.1f}, speakers {part('speakers'):.1f}) -> ratio {on_thread / raw.wall_s:.2f}"
              f" (whisper alone {part('whisper') / raw.wall_s:.2f})")
        others = ", ".join(f"{name} {stage(name):.1f}" for name in
                           ("ingest", "redact", "analyze", "score", "crm_writeback", "clickhouse_metrics"))
        print(f"         other stages (s, each overlapping ASR on other threads): {others}")
        threads = sorted(((k[1], v) for k, v in m.items() if k[0] == "thread_cpu" and v >= 0.05), key=lambda kv: -kv[1])
        print("         worker CPU s by thread: " + ", ".join(f"{name} {s:.1f}" for name, s in threads))
        if (t := timeline_) is not None:
            print(f"         wall = lead-in {t.lead_in_s:.2f} + ASR thread {t.on_asr_thread_s:.2f} + gaps between "
                  f"calls {t.gaps_s:.2f} (until the next handler {t.gap_before_handler_s:.2f}) + tail {t.tail_s:.2f} s "
                  f"({t.calls} calls; gaps ms: {' '.join(f'{g * 1000:.0f}' for g in t.each_gap_s)})")
    raw_best, pipe_best = min(r.wall_s for r in raws), min(p.wall_s for p in pipes)
    print(f"best of {len(raws)}: raw {raw_best:.1f} s, pipeline {pipe_best:.1f} s, "
          f"overhead ratio pipeline / raw whisper: {pipe_best / raw_best:.2f}")
    # Each round's ratio compares runs made back to back; their median is steadier than the
    # best of each side, which may come from different moments of the machine's load.
    print(f"median of the rounds' ratios: {statistics.median(p.wall_s / r.wall_s for r, p in zip(raws, pipes)):.2f} wall, "
          f"{statistics.median(p.cpu_s / r.cpu_s for r, p in zip(raws, pipes)):.2f} CPU")


def _duration(path: Path) -> float:
    import wave
    with wave.open(str(path)) as wav:
        return wav.getnframes() / wav.getframerate()


if __name__ == "__main__":
    main()
