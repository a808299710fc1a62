"""Where a pipeline round's wall time goes, from the transcribe stage's log lines.

The stage logs, per call, when its handling began and the ASR thread's span for it (epoch
seconds, agents.transcribe). With calls queued, the ASR thread should go from one call to the
next without a pause: a round's wall time is then the lead-in (the first call's event, ingest,
recording wait and download), the ASR thread's spans, the gaps between them (the loss against
whisper alone), and the tail (the last call's text stages and CRM write)."""
from __future__ import annotations

import re
from typing import NamedTuple

LINE = re.compile(r"handled from (?P<handled>[\d.]+), ASR thread (?P<start>[\d.]+)-(?P<end>[\d.]+)")


class CallSpan(NamedTuple):
    handled: float  # the transcribe handler began (the message reached the stage)
    start: float  # the ASR thread began this call (model, probe, decode, whisper, speakers)
    end: float


class Timeline(NamedTuple):
    calls: int
    lead_in_s: float  # round start -> the first call on the ASR thread
    on_asr_thread_s: float  # sum of the calls' spans on the ASR thread
    gaps_s: float  # between one call's end and the next one's start on the ASR thread
    gap_before_handler_s: float  # of the gaps: until the next call's handler began (publish, ack, fetch)
    tail_s: float  # the last call off the ASR thread -> the round's end (last CRM write)
    each_gap_s: tuple[float, ...]  # the gaps one by one, in ASR-thread order


def call_spans(log_text: str) -> list[CallSpan]:
    """The transcribe stage's spans in a stretch of worker log, in ASR-thread order."""
    spans = [CallSpan(*(float(m[k]) for k in ("handled", "start", "end"))) for m in LINE.finditer(log_text)]
    return sorted(spans, key=lambda s: s.start)


def timeline(spans: list[CallSpan], round_start: float, round_end: float) -> Timeline | None:
    """The round's wall time split as the module says (None if no call was transcribed)."""
    if not spans:
        return None
    pairs = list(zip(spans, spans[1:]))
    return Timeline(
        calls=len(spans),
        lead_in_s=spans[0].start - round_start,
        on_asr_thread_s=sum(s.end - s.start for s in spans),
        gaps_s=sum(b.start - a.end for a, b in pairs),
        gap_before_handler_s=sum(max(0.0, b.handled - a.end) for a, b in pairs),
        tail_s=round_end - spans[-1].end,
        each_gap_s=tuple(b.start - a.end for a, b in pairs),
    )
