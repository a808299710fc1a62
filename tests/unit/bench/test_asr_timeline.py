"""bench.asr_timeline: a round's wall time split from the transcribe stage's log lines."""
from __future__ import annotations

import pytest

from bench.asr_timeline import CallSpan, call_spans, timeline

LOG = """\
2026-12-05 15:30:00,000 INFO agents.transcribe: transcribe: 46.0 s of audio; handled from 102.500, ASR thread 102.510-105.000 (epoch s)
2026-12-05 15:30:00,001 INFO streams.stage: something else 1.0-2.0
2026-12-05 15:30:00,002 INFO agents.transcribe: transcribe: 40.0 s of audio; handled from 100.400, ASR thread 100.500-102.400 (epoch s)
"""


def test_spans_are_read_in_asr_thread_order_and_other_lines_ignored():
    assert call_spans(LOG) == [CallSpan(100.4, 100.5, 102.4), CallSpan(102.5, 102.51, 105.0)]


def test_a_round_is_lead_in_asr_thread_gaps_and_tail():
    t = timeline(call_spans(LOG), round_start=100.0, round_end=106.0)
    assert t.calls == 2
    assert t.lead_in_s == pytest.approx(0.5)
    assert t.on_asr_thread_s == pytest.approx(1.9 + 2.49)
    assert t.gaps_s == pytest.approx(0.11) and t.gap_before_handler_s == pytest.approx(0.1)
    assert t.tail_s == pytest.approx(1.0)
    assert t.each_gap_s == pytest.approx((0.11,))
    # every second of the round is in one of the parts
    assert t.lead_in_s + t.on_asr_thread_s + t.gaps_s + t.tail_s == pytest.approx(6.0)


def test_no_transcribed_call_no_timeline():
    assert timeline([], 0.0, 1.0) is None
