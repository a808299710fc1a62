"""Batched decoding with a fallback: greedy first, a wider beam only for the chunks that look wrong.

faster-whisper's BatchedInferencePipeline decodes every VAD chunk once, with one beam and no
temperature fallback or compression-ratio check (its sequential decoder has both). Greedy decoding
is the cheapest, but it can end a chunk early (VAD glues the speech pieces of one side into one
30 s window, and the decoder may stop after the first of them) or loop. So: decode all chunks
greedily, judge each with `fallback_reason` (pure), decode the suspicious ones again with the
wider beam and keep the better result (`keep_second`).

Any beam can stop early, the default one too: on a calibrate call beam 2 ended a 15 s chunk after
its first sentence and the call's last 11 s (the resolution, the closing) never reached the
transcript. So a chunk whose words stop well before its speech does is decoded on from the VAD
piece after its last word (`leftover_clip`), until its speech is covered.

The VAD runs once here (the pipeline's own VAD would hide where each chunk's speech is): its
pieces are glued and packed into <= 30 s chunks as the pipeline does (`pack_chunks`), and the
chunks are handed to the pipeline as `clip_timestamps` over the speech-only audio, so the
decoding itself is faster-whisper's.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, NamedTuple

import numpy as np

SAMPLE_RATE = 16000
CHUNK_LENGTH_S = 30  # whisper's window; the pipeline's chunk_length
# Passes that decode on after an early stop; each starts later in its chunk than the last.
MAX_TAIL_PASSES = 3
# With one beam for every chunk (no greedy first pass), a chunk that repeats itself ("восемьдесят
# восемьдесят ...", the rest of the call lost) is still decoded again, with at least this beam and
# no repeated three-token run: on the Russian demo call beam 5 alone looped too ("шестнадцать,
# шестнадцать, ..."), so the retry differs by the n-gram rule even when the beam already is 5;
# it is kept only if it is not worse (keep_second).
LOOP_BEAM = 5
LOOP_RETRY = {"no_repeat_ngram_size": 3}


class FallbackRules(NamedTuple):
    """When a greedy chunk is decoded again. Defaults: whisper's own compression-ratio and
    log-prob thresholds; the gap and minimum speech were set on the calibrate mix
    (docs/benchmarks.md, session 5)."""
    max_compression_ratio: float = 2.4  # above: repetition
    min_avg_logprob: float = -1.0
    max_trailing_gap_s: float = 1.5  # speech after the last word, within the chunk
    min_speech_s: float = 1.0  # a chunk this short with no words is left alone (a click, a breath)


class ChunkDecoding(NamedTuple):
    """What one decoding of one chunk says about itself (times in the chunk, seconds)."""
    speech_s: float  # the chunk's length: VAD speech with its padding
    words: int
    last_word_end_s: float  # 0 without words
    avg_logprob: float
    compression_ratio: float


def fallback_reason(chunk: ChunkDecoding, rules: FallbackRules = FallbackRules()) -> str | None:
    """Why this decoding should be redone with a wider beam; None when it looks fine."""
    if chunk.words == 0:
        return "no_words" if chunk.speech_s >= rules.min_speech_s else None
    if chunk.compression_ratio > rules.max_compression_ratio:
        return "repetition"
    if chunk.speech_s - chunk.last_word_end_s > rules.max_trailing_gap_s:
        return "stops_early"
    if chunk.avg_logprob < rules.min_avg_logprob:
        return "low_logprob"
    return None


def keep_second(first: ChunkDecoding, second: ChunkDecoding, rules: FallbackRules = FallbackRules()) -> bool:
    """After a fallback: keep the wider beam's decoding unless it repeats itself and the greedy
    one does not, or it fails a check the greedy one passes (as whisper, which prefers a retry
    below the compression threshold, then the one that passes)."""
    def rank(c: ChunkDecoding) -> tuple[bool, bool]:
        return (c.compression_ratio <= rules.max_compression_ratio, fallback_reason(c, rules) is None)
    return rank(second) >= rank(first)


class SecondPass(NamedTuple):
    """Which chunks are decoded again, how, and why."""
    beam: int
    options: dict[str, Any]  # extra decoding arguments (LOOP_RETRY for a loop)
    reasons: dict[int, str]  # chunk index: fallback reason


def chunks_to_redo(firsts: list[ChunkDecoding], first_beam: int, beam: int,
                   rules: FallbackRules = FallbackRules()) -> SecondPass:
    """The second pass after a first pass with `first_beam`. Greedy first: every chunk that
    looks wrong, with `beam`. One beam for all: only a chunk that repeats itself, with at least
    LOOP_BEAM and LOOP_RETRY (without the n-gram rule a retry would loop again)."""
    if beam != first_beam:
        return SecondPass(beam, {}, {i: reason for i, first in enumerate(firsts)
                                     if (reason := fallback_reason(first, rules))})
    return SecondPass(max(beam, LOOP_BEAM), LOOP_RETRY, {
        i: "repetition" for i, first in enumerate(firsts) if first.compression_ratio > rules.max_compression_ratio})


def leftover_clip(decoding: ChunkDecoding, span: tuple[float, float], pieces_s: list[tuple[float, float]],
                  rules: FallbackRules = FallbackRules()) -> tuple[float, float] | None:
    """The speech a decoding left at its chunk's end, as a clip in speech-only time, or None.
    It starts at the next VAD piece (a pause: no word is cut in two) unless the piece the words
    stopped in still holds more speech than the rules allow, then where the last word ended."""
    if decoding.words == 0 or decoding.speech_s - decoding.last_word_end_s <= rules.max_trailing_gap_s:
        return None
    stopped = span[0] + decoding.last_word_end_s
    start = stopped  # inside a piece with more speech to come: from the last word
    for piece_start, piece_end in pieces_s:  # glued end to end, in order
        if piece_end <= stopped:
            continue
        if piece_start >= stopped:
            start = piece_start
        elif piece_end - stopped <= rules.max_trailing_gap_s:  # only the piece's padding left
            start = piece_end
        break
    return (start, span[1]) if span[1] - start > rules.max_trailing_gap_s else None


def pack_chunks(pieces: list[dict], max_samples: int = CHUNK_LENGTH_S * SAMPLE_RATE) -> list[list[dict]]:
    """VAD pieces ({"start", "end"} in samples) in groups whose total length stays within one
    window, in order: faster_whisper.vad.collect_chunks' grouping."""
    chunks: list[list[dict]] = []
    length = 0
    for piece in pieces:
        size = piece["end"] - piece["start"]
        if not chunks or length + size > max_samples:
            chunks.append([])
            length = 0
        chunks[-1].append(piece)
        length += size
    return chunks


def chunk_spans_s(chunks: list[list[dict]]) -> list[tuple[float, float]]:
    """Each chunk's (start, end) in the speech-only audio (the pieces glued), seconds."""
    spans, at = [], 0
    for chunk in chunks:
        size = sum(p["end"] - p["start"] for p in chunk)
        spans.append((at / SAMPLE_RATE, (at + size) / SAMPLE_RATE))
        at += size
    return spans


def by_chunk(segments: list[Any], spans: list[tuple[float, float]]) -> list[list[Any]]:
    """Decoded segments (speech-only time) grouped by the chunk they start in."""
    starts = [start for start, _ in spans]
    groups: list[list[Any]] = [[] for _ in spans]
    for segment in segments:  # +10 ms: clip times are cut to whole samples on the way in
        groups[max(bisect_right(starts, segment.start + 0.01) - 1, 0)].append(segment)
    return groups


def describe(segments: list[Any], span: tuple[float, float]) -> ChunkDecoding:
    """One chunk's decoding (faster-whisper segments of that chunk) as the rules see it."""
    words = [w for s in segments for w in s.words or []]
    return ChunkDecoding(
        speech_s=span[1] - span[0], words=len(words),
        last_word_end_s=max((w.end for w in words), default=span[0]) - span[0],
        avg_logprob=min((s.avg_logprob for s in segments), default=0.0),
        compression_ratio=max((s.compression_ratio for s in segments), default=0.0))


def transcribe_with_fallback(pipeline: Any, audio: np.ndarray, vad_parameters: dict, first_beam: int,
                             beam: int, batch_size: int, rules: FallbackRules = FallbackRules(),
                             **options: Any) -> tuple[list[Any], list[str]]:
    """faster-whisper segments of one side in recording time, and the fallback reasons of the
    chunks decoded again. `options`: the pipeline's transcribe arguments (language, word
    timestamps, hotwords...)."""
    from faster_whisper.transcribe import restore_speech_timestamps
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(**{**vad_parameters, "max_speech_duration_s": CHUNK_LENGTH_S})
    pieces = get_speech_timestamps(audio, vad)
    if not pieces:
        return [], []
    chunks = pack_chunks(pieces)
    spans = chunk_spans_s(chunks)
    speech = np.concatenate([audio[p["start"]:p["end"]] for p in pieces])

    def decode(clips: list[tuple[float, float]], beam_size: int, **retry: Any) -> list[list[Any]]:
        segments, _info = pipeline.transcribe(speech, clip_timestamps=[{"start": a, "end": b} for a, b in clips],
                                              beam_size=beam_size, batch_size=batch_size, **options, **retry)
        return by_chunk(list(segments), clips)  # iterating runs the decoding

    everything = list(range(len(chunks)))
    decoded = decode(spans, first_beam)
    firsts = [describe(found, span) for found, span in zip(decoded, spans)]
    second = chunks_to_redo(firsts, first_beam, beam, rules)
    if second.reasons:
        for i, found in zip(second.reasons, decode([spans[i] for i in second.reasons], second.beam, **second.options)):
            if keep_second(firsts[i], describe(found, spans[i]), rules):
                decoded[i] = found
    reasons = list(second.reasons.values())
    pieces_s = chunk_spans_s([[p] for p in pieces])
    tails = {i: clip for i in everything
             if (clip := leftover_clip(describe(decoded[i], spans[i]), spans[i], pieces_s, rules))}
    for _ in range(MAX_TAIL_PASSES):
        if not tails:
            break
        reasons += ["decoded_on"] * len(tails)
        found_on = decode(list(tails.values()), beam)
        decoded_tails = {}
        for (i, clip), found in zip(tails.items(), found_on):
            decoded[i] = decoded[i] + found
            if found and (more := leftover_clip(describe(found, clip), clip, pieces_s, rules)):
                decoded_tails[i] = more
        tails = decoded_tails
    segments = [s for found in decoded for s in found]
    return list(restore_speech_timestamps(segments, pieces, SAMPLE_RATE)), reasons
