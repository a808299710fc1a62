"""Decoding a call recording in bounded memory, with a cap on its length.

A few hundred kilobytes of compressed audio can decode to gigabytes of float32 (16 kHz float32
is 230 MB an hour per channel, before faster-whisper's own copies), so the length is checked
twice: from the container's header before anything is decoded, and, since headers can lie or be
missing, while decoding. The audio is handed out in consecutive chunks of at most CHUNK_S (cut
at the quietest moment near the end of each, so few words are split), so peak memory depends on
the chunk, not on the recording. A recording no longer than one chunk decodes to exactly the
arrays faster-whisper's `decode_audio` gives (same resampling pipeline; a test compares).
"""
from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import av
import numpy as np

SAMPLE_RATE = 16000  # what faster-whisper's decode_audio resamples to
CHUNK_S = 600.0  # 10 min: ~77 MB of stereo float32; calls up to this long are one chunk
CUT_SEARCH_S = 10.0  # where to look for a quiet cut: the last seconds of a full chunk
CUT_FRAME = 1600  # 0.1 s: the loudness resolution of that search
GROUP_SAMPLES = 500_000  # frames resampled at a time, as faster-whisper does


class UnreadableAudio(ValueError):
    """The recording cannot be decoded: retrying will not help, dead-letter it."""


class RecordingTooLong(UnreadableAudio):
    """Longer than the configured cap (settings.max_recording_s): dead-letter it."""

    def __init__(self, duration_s: float, cap_s: float, where: str) -> None:
        super().__init__(f"recording too long: {where} {_hms(duration_s)}, over the "
                         f"{_hms(cap_s)} limit (AICA_MAX_RECORDING_S)")


def _hms(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class Chunk(NamedTuple):
    offset_s: float  # where this chunk starts in the recording
    channels: list[np.ndarray]  # one float32 array per side for stereo, else one (mixed)


def probe(path: Path, max_duration_s: float | None = None) -> tuple[int, float | None]:
    """(channels of the first audio stream, its declared duration in seconds or None). Raises
    UnreadableAudio when there is nothing to decode, RecordingTooLong when the header says so."""
    if path.stat().st_size == 0:
        raise UnreadableAudio("zero-length file")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise UnreadableAudio("no audio stream in the file")
            stream = container.streams.audio[0]
            channels = stream.codec_context.channels
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            else:
                duration = None
    except av.FFmpegError as error:
        raise UnreadableAudio(f"corrupt or unsupported audio ({type(error).__name__})") from error
    if duration is not None and max_duration_s is not None and duration > max_duration_s:
        raise RecordingTooLong(duration, max_duration_s, "its header says")
    return channels, duration


def _s16_blocks(path: Path, stereo: bool) -> Iterator[np.ndarray]:
    """Interleaved int16 at 16 kHz, block by block: faster-whisper's decode_audio pipeline
    (same resampler and grouping, so the same samples) without collecting the whole file."""
    from faster_whisper.audio import _group_frames, _ignore_invalid_frames, _resample_frames

    resampler = av.audio.resampler.AudioResampler(
        format="s16", layout="stereo" if stereo else "mono", rate=SAMPLE_RATE)
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            frames = _group_frames(_ignore_invalid_frames(container.decode(audio=0)), GROUP_SAMPLES)
            for frame in _resample_frames(frames, resampler):
                yield frame.to_ndarray().reshape(-1)
    finally:
        graphs = _filter_graphs(resampler)
        del resampler
        if any(graph() is not None for graph in graphs):
            gc.collect()  # this PyAV keeps the graph in a reference cycle (PyAV #1429, #2380)


def _filter_graphs(resampler: av.AudioResampler) -> list[weakref.ref]:
    """Weak references to the resampler's filter graph (the field is not exposed to Python; the
    collector's view of the object's references finds it).

    Some PyAV versions keep a graph and its filter contexts in a reference cycle that only a
    full collection frees, so faster-whisper collects after every decode (its #390). In a worker
    whose heap holds spaCy, Presidio and the embeddings that full collection took 0.1-0.2 s per
    call, holding the GIL, on the ASR thread between two calls' whisper runs (docs/benchmarks.md,
    h-pipe-gap); PyAV 14+ frees the graph by reference counting, so collect only if it is still
    alive once the resampler is gone."""
    return [weakref.ref(ref) for ref in gc.get_referents(resampler) if isinstance(ref, av.filter.Graph)]


def _quiet_cut(audio: np.ndarray, width: int) -> int:
    """A cut point (in interleaved samples) at the quietest 0.1 s of the last CUT_SEARCH_S."""
    frames = audio.size // width
    search = min(frames, int(CUT_SEARCH_S * SAMPLE_RATE)) // CUT_FRAME
    if search < 2:
        return audio.size
    tail = audio[(frames - search * CUT_FRAME) * width: frames * width].astype(np.float32)
    energy = (tail.reshape(search, CUT_FRAME * width) ** 2).sum(axis=1)
    quietest = int(np.argmin(energy[::-1]))  # the latest of equally quiet ones: longest chunk
    return (frames - quietest * CUT_FRAME) * width


def _to_channels(block: np.ndarray, stereo: bool) -> list[np.ndarray]:
    audio = block.astype(np.float32)
    audio /= 32768.0  # as decode_audio converts s16 (in place: one float copy, not two)
    return [audio[0::2], audio[1::2]] if stereo else [audio]


def decode_chunks(path: Path, channels: int, max_duration_s: float | None = None,
                  chunk_s: float = CHUNK_S) -> Iterator[Chunk]:
    """16 kHz float audio in consecutive chunks of at most chunk_s. Raises RecordingTooLong as
    soon as the decoded audio passes max_duration_s, UnreadableAudio when nothing decodes."""
    stereo = channels == 2
    width = 2 if stereo else 1
    chunk = int(chunk_s * SAMPLE_RATE) * width
    cap = None if max_duration_s is None else int(max_duration_s * SAMPLE_RATE) * width
    pending: list[np.ndarray] = []
    held = emitted = 0
    try:
        for block in _s16_blocks(path, stereo):
            pending.append(block)
            held += block.size
            if cap is not None and emitted + held > cap:
                raise RecordingTooLong((emitted + held) / width / SAMPLE_RATE, max_duration_s,
                                       "decoding reached")
            while held > chunk:  # more than a chunk: cut one off, keep the rest
                audio = np.concatenate(pending)
                pending.clear()
                cut = _quiet_cut(audio[:chunk], width)
                out = Chunk(emitted / width / SAMPLE_RATE, _to_channels(audio[:cut], stereo))
                pending, held = [audio[cut:].copy()], audio.size - cut  # not a view of the chunk
                del audio
                emitted += cut
                yield out
                del out
    except av.FFmpegError as error:
        raise UnreadableAudio(f"audio cannot be decoded ({type(error).__name__})") from error
    if held == 0 and emitted == 0:
        raise UnreadableAudio("no audio samples in the file")
    if held:
        yield Chunk(emitted / width / SAMPLE_RATE, _to_channels(np.concatenate(pending), stereo))
