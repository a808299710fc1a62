"""The batched decoder's fallback rules and chunk bookkeeping (agents.asr_fallback), no model."""
from __future__ import annotations

import numpy as np
import pytest
from faster_whisper.transcribe import Segment, Word
from faster_whisper.vad import collect_chunks

from agents.asr_fallback import (LOOP_RETRY, SAMPLE_RATE, ChunkDecoding, FallbackRules, by_chunk, chunk_spans_s,
                                 chunks_to_redo, describe, fallback_reason, keep_second, leftover_clip, pack_chunks)

# A greedy decoding as the calibrate mix shows them: words up to ~0.5 s before the chunk ends.
FINE = ChunkDecoding(speech_s=25.0, words=70, last_word_end_s=24.6, avg_logprob=-0.2, compression_ratio=1.5)


def segment(start: float, end: float, words: list[tuple[float, float]], avg_logprob: float = -0.2,
            compression_ratio: float = 1.4) -> Segment:
    return Segment(id=0, seek=0, start=start, end=end, text="x", tokens=[], avg_logprob=avg_logprob,
                   compression_ratio=compression_ratio, no_speech_prob=0.01, temperature=0.0,
                   words=[Word(start=a, end=b, word=" w", probability=0.9) for a, b in words])


def test_a_chunk_decoded_to_its_end_is_kept():
    assert fallback_reason(FINE) is None


@pytest.mark.parametrize(("decoding", "reason"), [
    # Greedy stopped after the first sentence of a chunk that glues two (the hold-music case).
    (FINE._replace(speech_s=7.1, words=5, last_word_end_s=1.6), "stops_early"),
    (FINE._replace(compression_ratio=3.1), "repetition"),
    (FINE._replace(avg_logprob=-1.3), "low_logprob"),
    (FINE._replace(words=0, last_word_end_s=0.0), "no_words"),
])
def test_a_chunk_that_looks_wrong_says_why(decoding, reason):
    assert fallback_reason(decoding) == reason


def test_a_short_chunk_without_words_is_left_alone():
    click = ChunkDecoding(speech_s=0.6, words=0, last_word_end_s=0.0, avg_logprob=0.0, compression_ratio=0.0)
    assert fallback_reason(click) is None
    assert fallback_reason(click, FallbackRules(min_speech_s=0.5)) == "no_words"


def test_the_trailing_gap_is_a_rule_not_a_constant():
    late = FINE._replace(last_word_end_s=FINE.speech_s - 1.0)
    assert fallback_reason(late) is None
    assert fallback_reason(late, FallbackRules(max_trailing_gap_s=0.8)) == "stops_early"


def test_the_wider_beams_decoding_is_kept_unless_it_is_worse():
    stopped = FINE._replace(words=5, last_word_end_s=3.0)
    assert keep_second(stopped, FINE)
    assert keep_second(FINE._replace(avg_logprob=-1.2), FINE._replace(avg_logprob=-1.1))  # both fail: the wider
    looping = FINE._replace(compression_ratio=3.0)
    assert not keep_second(stopped, looping)  # a loop loses to a short decoding
    assert keep_second(looping, stopped)
    assert not keep_second(FINE, stopped)


def test_chunks_are_packed_as_faster_whisper_packs_them():
    rng = np.random.default_rng(3)
    pieces, at = [], 0
    for _ in range(40):
        at += int(rng.uniform(0.2, 8) * SAMPLE_RATE)
        length = int(rng.uniform(0.3, 12) * SAMPLE_RATE)
        pieces.append({"start": at, "end": at + length})
        at += length
    audio = np.zeros(at, np.float32)
    theirs, metadata = collect_chunks(audio, pieces, max_duration=30)
    ours = pack_chunks(pieces)
    assert [sum(p["end"] - p["start"] for p in chunk) for chunk in ours] == [len(a) for a in theirs]
    assert [start for start, _ in chunk_spans_s(ours)] == pytest.approx([m["offset"] for m in metadata])
    assert [p for chunk in ours for p in chunk] == pieces


def test_segments_are_grouped_by_the_chunk_they_start_in():
    spans = [(0.0, 20.0), (20.0, 45.0), (45.0, 50.0)]
    segments = [segment(0.0, 20.0, []), segment(19.995, 45.0, []), segment(45.0, 50.0, [])]
    assert [[s.start for s in group] for group in by_chunk(segments, spans)] == [[0.0], [19.995], [45.0]]
    assert by_chunk([], spans) == [[], [], []]


def test_a_chunks_decoding_is_described_in_chunk_time():
    span = (20.0, 45.0)
    found = [segment(20.0, 32.0, [(20.5, 21.0), (21.0, 22.5)], avg_logprob=-0.3, compression_ratio=1.2),
             segment(32.0, 45.0, [(33.0, 40.0)], avg_logprob=-0.5, compression_ratio=2.6)]
    assert describe(found, span) == ChunkDecoding(speech_s=25.0, words=3, last_word_end_s=20.0,
                                                  avg_logprob=-0.5, compression_ratio=2.6)
    assert describe([], span) == ChunkDecoding(25.0, 0, 0.0, 0.0, 0.0)


# The second chunk of a calibrate call as VAD cut it (speech-only seconds): three pieces, and
# beam 2 stopped after the first one's sentence.
SECOND_CHUNK = (29.47, 44.40)
PIECES = [(0.0, 6.06), (6.06, 11.57), (11.57, 14.16), (14.16, 18.72), (18.72, 25.61), (25.61, 29.47),
          (29.47, 33.53), (33.53, 41.23), (41.23, 44.40)]


def test_speech_left_after_an_early_stop_is_decoded_from_the_next_pause():
    stopped = FINE._replace(speech_s=14.93, words=6, last_word_end_s=33.39 - 29.47)
    assert leftover_clip(stopped, SECOND_CHUNK, PIECES) == (33.53, 44.40)


def test_a_stop_inside_a_long_piece_goes_on_from_the_last_word():
    stopped = FINE._replace(speech_s=14.93, words=6, last_word_end_s=35.0 - 29.47)
    assert leftover_clip(stopped, SECOND_CHUNK, PIECES) == (35.0, 44.40)
    # ...unless what is left of that piece is its padding: then from the next piece.
    near_its_end = stopped._replace(last_word_end_s=40.0 - 29.47)
    assert leftover_clip(near_its_end, SECOND_CHUNK, PIECES) == (41.23, 44.40)


@pytest.mark.parametrize("decoding", [
    FINE._replace(speech_s=14.93, last_word_end_s=14.5),  # decoded to its end
    FINE._replace(speech_s=14.93, words=0, last_word_end_s=0.0),  # nothing to go on from
])
def test_nothing_is_left_when_the_words_reach_the_end_or_there_are_none(decoding):
    assert leftover_clip(decoding, SECOND_CHUNK, PIECES) is None


LOOPING = FINE._replace(compression_ratio=9.8)  # "восемьдесят восемьдесят ..." to the end of the chunk
STOPPED = FINE._replace(last_word_end_s=12.0)


def test_greedy_first_redoes_every_chunk_that_looks_wrong_with_the_beam():
    assert chunks_to_redo([FINE, LOOPING, STOPPED], first_beam=1, beam=2) == (2, {}, {1: "repetition", 2: "stops_early"})


def test_with_one_beam_a_looping_chunk_is_still_decoded_again_with_a_wider_one():
    """The default decodes every chunk once with beam 2: a loop there lost the rest of a Russian
    call (its resolution and closing). Only loops are redone; an early stop is decoded on instead."""
    assert chunks_to_redo([FINE, LOOPING, STOPPED], first_beam=2, beam=2) == (5, LOOP_RETRY, {1: "repetition"})
    # Beam 5 loops too (Russian calibrate ru41, WER 0.91): the retry still differs by its n-gram rule.
    assert chunks_to_redo([FINE, LOOPING], first_beam=5, beam=5) == (5, LOOP_RETRY, {1: "repetition"})
