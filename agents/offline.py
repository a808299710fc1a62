"""One call through the pipeline's stage functions, in process, without Kafka.

The same pure functions the stage agents run (transcribe -> redact -> analyze -> score), for the
QA benchmark (`bench/qa_eval`) and a command-line `aica analyze`. Models load once per process,
as in the worker.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.analyze.rules import analyze_with_rules
from agents.redact.agent import redact_record
from agents.score import score_call
from agents.asr import transcribe_file
from agents.transcribe import asr_plan, beam_size, first_beam_size, load_model
from catalog.projects import Project
from catalog.scorecards import Scorecard
from streams.settings import Settings


@dataclass
class CallResult:
    transcript: dict  # as transcribed (raw text: never store it)
    redacted: dict  # aica.RedactedTranscript body
    analysis: dict  # aica.CallAnalysis body fields
    score: dict  # aica.CallScore fields
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> wall time; "<stage>_cpu": CPU time


def call_context(project: Project, call_id: str = "offline", member_id: str = "offline",
                 direction: str = "unknown") -> dict:
    return {"call_id": call_id, "member_id": member_id, "project": project.name,
            "language": project.language, "direction": direction, "versions": {}}


def transcribe_recording(path: Path | str, project: Project, settings: Settings,
                         asr_model: str | None = None, direction: str = "unknown"
                         ) -> tuple[dict, tuple[float, float]]:
    """(transcript body, (ASR wall seconds, ASR CPU seconds)) with the model, language and
    hotwords the worker would use for this project (`asr_model` overrides the model, for
    benchmarks)."""
    plan = asr_plan(settings, project.language, project)
    model = load_model(settings, asr_model or plan.model)
    body, seconds = timed(lambda: transcribe_file(
        model, path, plan.language, beam_size(settings, plan.language), hotwords=plan.hotwords, direction=direction,
        batch_size=settings.asr_batch_size, vad_mono=settings.asr_vad_mono,
        first_beam_size=first_beam_size(settings, plan.language), voice_model=settings.speaker_voice_model))
    return dict(body), seconds


def timed(work) -> tuple[Any, tuple[float, float]]:
    """(result, (wall seconds, CPU seconds of this process, all threads)). On a loaded machine the
    CPU time is the steadier figure: wall time also counts waiting for a core."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, (time.perf_counter() - wall, time.process_time() - cpu)


def analyse_transcript(transcript: dict, project: Project, scorecard: Scorecard,
                       context: dict | None = None) -> CallResult:
    """Redact, analyse (offline engine) and score one transcript body."""
    record = {**transcript, "context": context or call_context(project),
              "audio_uri": transcript.get("audio_uri", "offline://call")}
    seconds: dict[str, float] = {}
    redacted, (seconds["redact"], seconds["redact_cpu"]) = timed(
        lambda: redact_record(record, project.redaction_keep_terms))
    analysis, (seconds["analyze"], seconds["analyze_cpu"]) = timed(lambda: analyze_with_rules(redacted, scorecard))
    score, (seconds["score"], seconds["score_cpu"]) = timed(lambda: score_call(analysis, scorecard))
    return CallResult(transcript=transcript, redacted=redacted, analysis=analysis, score=score, seconds=seconds)


def process_recording(path: Path | str, project: Project, scorecard: Scorecard, settings: Settings,
                      context: dict | Any = None) -> CallResult:
    """A recording through every stage; seconds["asr"] is the transcription time."""
    direction = context.get("direction", "unknown") if isinstance(context, dict) else "unknown"
    transcript, (asr_wall, asr_cpu) = transcribe_recording(path, project, settings, direction=direction)
    result = analyse_transcript(transcript, project, scorecard, context)
    result.seconds.update(asr=asr_wall, asr_cpu=asr_cpu)
    return result
