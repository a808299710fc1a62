"""Peak memory (RSS) of decoding and transcribing one long recording: the old whole-file path
(faster-whisper's decode_audio, then the model on the whole arrays) against agents.audio's chunks
(agents.asr.transcribe_file). Each mode runs in its own child process, back to back in one
invocation, and its peak RSS is read from the kernel (wait4), so the baseline is measured in the
same run on the same file.

    .venv/bin/python -m bench.recording_memory --minutes 60 --channels 2
    .venv/bin/python -m bench.recording_memory --minutes 60 --channels 2 --decode-only

The recording is quiet noise at 8 kHz (a phone line with nobody talking), made with sox: it
compresses to a few MB of FLAC, which is the point (a small file, a large decode).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODES = ("decode-whole", "decode-chunks", "transcribe-whole", "transcribe-chunks")


def run_mode(mode: str, path: Path, channels: int) -> None:
    """In the child: do the work of one mode."""
    from faster_whisper import decode_audio

    from agents.audio import SAMPLE_RATE, decode_chunks
    from agents.speakers import attribute_speakers
    from agents.asr import transcribe_channel, transcribe_file
    from agents.transcribe import load_model
    from streams.settings import Settings

    stereo = channels == 2
    if mode == "decode-whole":
        decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=stereo)
    elif mode == "decode-chunks":
        for _chunk in decode_chunks(path, channels):
            pass
    elif mode == "transcribe-whole":  # transcribe_file before chunking (stereo: VAD per side)
        model = load_model(Settings())
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=stereo)
        for side in (audio if stereo else [audio]):
            found = transcribe_channel(model, side, "agent", "en", 5, vad=stereo)
        if not stereo:  # mono: speakers by voice over the whole array, as before
            attribute_speakers(found, audio, "en")
    else:
        transcribe_file(load_model(Settings()), path, "en")


def measure(mode: str, path: Path, channels: int) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one mode in a fresh child process."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bench.recording_memory", "--child", mode,
                              "--path", str(path), "--channels", str(channels)])
    _pid, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"{mode} failed with status {status}")
    return usage.ru_maxrss / 1024, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--channels", type=int, default=2, choices=(1, 2))
    parser.add_argument("--decode-only", action="store_true")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.child:
        run_mode(args.child, args.path, args.channels)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.flac"
        subprocess.run(["sox", "-n", "-r", "8000", "-c", str(args.channels), "-b", "16", str(path),
                        "synth", str(args.minutes * 60), "whitenoise", "vol", "0.003"], check=True)
        print(f"{args.minutes:g} min, {args.channels} channel(s), {path.stat().st_size / 2**20:.1f} MiB FLAC")
        modes = MODES[:2] if args.decode_only else MODES
        for mode in modes:
            peak, wall = measure(mode, path, args.channels)
            print(f"{mode:18} peak RSS {peak:8.0f} MiB   {wall:6.0f} s wall", flush=True)


if __name__ == "__main__":
    main()
