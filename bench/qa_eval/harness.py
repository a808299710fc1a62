"""Run labelled calls through the pipeline's stages and compare with the QA lead's labels.

Sources: `script` builds the transcript straight from the turns (no ASR; mono calls are all
"unknown" speaker, as the ASR stage gives them); `audio` renders the call and runs the real
transcription. Both then run the same redact -> analyze -> score functions as the pipeline
(agents.offline).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from agents.analyze import semantic
from agents.offline import analyse_transcript, call_context, transcribe_recording
from agents.transcribe import asr_plan, beam_size, first_beam_size
from bench.qa_eval import metrics
from bench.qa_eval.calls import CRITERIA, EvalCall
from catalog.projects import DEFAULT_PROJECTS_FILE, ProjectCatalog, load_catalog_file
from streams.settings import Settings

WORDS_PER_SECOND = 2.6  # ~155 words a minute, a calm phone voice
SCRIPT_GAP_S = 0.35
MULTILINGUAL_NEEDED = "tiny.en"  # English-only model: other languages need the project's own
# The code a cached transcript depends on: a change to any of these files invalidates the cache.
ASR_SOURCES = ("agents/asr.py", "agents/audio.py", "agents/asr_models.py", "agents/transcribe.py",
               "agents/offline.py", "agents/speakers")
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CallOutcome:
    call: EvalCall
    predicted: dict[str, str]
    facts: tuple[int, int]
    attribution: tuple[int, int]
    leaked: list[str]
    seconds: dict[str, float]
    wer: float | None = None
    reference_words: int = 0
    extra: dict = field(default_factory=dict)
    over_redacted: list[str] = field(default_factory=list)  # removed words that were not planted
    transcript_words: int = 0


def script_transcript(call: EvalCall) -> tuple[dict, list[tuple[str, float, float]]]:
    """Transcript body from the turns, with evenly timed words, and the reference turn timings."""
    segments, timings, clock = [], [], SCRIPT_GAP_S
    for turn in call.turns:
        tokens = turn.text.split()
        step = 1.0 / WORDS_PER_SECOND
        words = [{"start": round(clock + i * step, 3), "end": round(clock + (i + 0.8) * step, 3),
                  "word": (" " if i else "") + token, "probability": 1.0} for i, token in enumerate(tokens)]
        end = round(clock + len(tokens) * step, 3)
        segments.append({"start": round(clock, 3), "end": end, "text": turn.text, "words": words,
                         "speaker": turn.speaker if call.stereo else "unknown"})
        timings.append((turn.speaker, round(clock, 3), end))
        clock = end + SCRIPT_GAP_S
    body = {"language": call.language, "audio_duration_s": round(clock, 3),
            "channels": 2 if call.stereo else 1, "segments": segments}
    return body, timings


def asr_code_fingerprint(root: Path = REPO_ROOT) -> str:
    """Digest of the transcription and speaker-attribution code (ASR_SOURCES)."""
    digest = hashlib.sha256()
    for name in ASR_SOURCES:
        path = root / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def cached_transcription(audio: Path, project, settings: Settings, asr_model: str | None, direction: str,
                         cache_dir: Path | None) -> tuple[dict, tuple[float, float]]:
    """transcribe_recording, reused from `cache_dir` when the same audio went through the same
    model, settings and transcription code before. Analysis work replays hundreds of calls whose
    audio and ASR did not change; the cached seconds are those measured when the entry was made."""
    if cache_dir is None:
        return transcribe_recording(audio, project, settings, asr_model, direction)
    plan = asr_plan(settings, project.language, project)
    key = hashlib.sha256(json.dumps([
        hashlib.sha256(audio.read_bytes()).hexdigest(), asr_model or plan.model, plan.language, plan.hotwords,
        beam_size(settings, plan.language), first_beam_size(settings, plan.language), settings.asr_batch_size,
        settings.asr_vad_mono, settings.speaker_voice_model, direction, asr_code_fingerprint(),
    ], default=str).encode()).hexdigest()
    entry = cache_dir / f"{key}.json"
    if entry.exists():
        saved = json.loads(entry.read_text())
        return saved["transcript"], tuple(saved["seconds"])
    transcript, seconds = transcribe_recording(audio, project, settings, asr_model, direction)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = entry.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps({"transcript": transcript, "seconds": list(seconds)}, ensure_ascii=False))
    os.replace(partial, entry)  # atomic: concurrent runs may share the cache
    return transcript, seconds


def evaluate_call(call: EvalCall, catalog: ProjectCatalog, source: str = "script", voice: str = "piper",
                  settings: Settings | None = None, asr_model: str | None = None,
                  asr_cache: Path | None = None) -> CallOutcome:
    project = catalog.projects[call.project]
    scorecard = catalog.scorecard(project.scorecard)
    seconds: dict[str, float] = {}
    extra: dict = {}
    if source == "script":
        transcript, timings = script_transcript(call)
    else:
        from bench.qa_eval.render import render_call

        started = time.perf_counter()
        rendered = render_call(call, voice)
        seconds["render"] = time.perf_counter() - started
        transcript, (seconds["asr"], seconds["asr_cpu"]) = cached_transcription(
            rendered.path, project, settings or Settings(), asr_model, call.direction, asr_cache)
        timings = [(t.speaker, t.start, t.end) for t in rendered.timings]
        extra = {"voices": list(rendered.voices), "audio_s": rendered.duration_s}
    context = call_context(project, call.id, direction=call.direction)  # who rang decides who answers
    result = analyse_transcript(transcript, project, scorecard, context)
    seconds.update(result.seconds)
    predicted = {c: "na" for c in CRITERIA}
    predicted.update({c["id"]: c["verdict"] for c in result.analysis.get("criteria", ()) if c["id"] in predicted})
    reference = " ".join(t.text for t in call.turns)
    hypothesis = " ".join(s["text"] for s in transcript["segments"])
    texts = metrics.stored_texts(result.redacted, result.analysis, result.score)
    over_redacted, transcript_words = metrics.over_redaction(call.planted_pii, transcript, result.redacted)
    return CallOutcome(
        call=call, predicted=predicted,
        facts=metrics.fact_coverage(call.summary_facts, result.analysis.get("summary", "")),
        attribution=metrics.attribution_accuracy(result.redacted, timings),
        leaked=metrics.leaks(call.planted_pii, texts), seconds=seconds,
        wer=metrics.word_error_rate(reference, hypothesis) if source == "audio" else None,
        reference_words=len(metrics.normalise_words(reference).split()), extra=extra,
        over_redacted=over_redacted, transcript_words=transcript_words)


def skip_reason(language: str, calls: list[EvalCall], catalog: ProjectCatalog, source: str,
                settings: Settings, asr_model: str | None = None) -> str | None:
    """Why a language cannot be evaluated here, or None."""
    missing = sorted({c.project for c in calls if c.project not in catalog.projects})
    if missing:
        return f"project {', '.join(missing)} is not in the catalog ({DEFAULT_PROJECTS_FILE.name})"
    if source == "audio" and language != "en":
        project = catalog.projects[calls[0].project]
        model = asr_model or asr_plan(settings, project.language, project).model
        if model == MULTILINGUAL_NEEDED:
            return f"project {calls[0].project} has no multilingual ASR model (it would use {model})"
    return None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def over_redaction_figures(outcomes: list[CallOutcome]) -> dict:
    """Words redaction removed outside the planted values, per 1000 transcript words, and the calls
    with any."""
    removed = sum(len(o.over_redacted) for o in outcomes)
    words = sum(o.transcript_words for o in outcomes)
    return {"words": removed, "transcript_words": words,
            "per_1000": None if not words else round(1000 * removed / words, 2),
            "calls_with_any": sorted(o.call.id for o in outcomes if o.over_redacted)}


def summarise(outcomes: list[CallOutcome]) -> dict:
    """Figures for one language."""
    per_criterion = {}
    pooled: list[tuple[str, str]] = []
    for criterion in CRITERIA:
        pairs = [(o.call.labels[criterion], o.predicted[criterion]) for o in outcomes]
        pooled += pairs
        baseline = metrics.constant_met(pairs)
        per_criterion[criterion] = {
            "n": len(pairs), "not_met": sum(label == "not_met" for label, _ in pairs),
            "agreement": metrics.agreement(pairs), "baseline_agreement": metrics.agreement(baseline),
            "not_met_recall": metrics.not_met_recall(pairs), "baseline_not_met_recall": metrics.not_met_recall(baseline)}
    baseline = metrics.constant_met(pooled)
    facts = [o.facts for o in outcomes]
    words = [o.attribution for o in outcomes]
    mono_words = [o.attribution for o in outcomes if not o.call.stereo]
    with_wer = [o for o in outcomes if o.wer is not None]
    stage_s = sum(o.seconds.get(k, 0.0) for o in outcomes for k in ("redact", "analyze", "score"))
    asr_s = sum(o.seconds.get("asr", 0.0) for o in outcomes)
    stage_cpu = sum(o.seconds.get(f"{k}_cpu", 0.0) for o in outcomes for k in ("redact", "analyze", "score"))
    asr_cpu = sum(o.seconds.get("asr_cpu", 0.0) for o in outcomes)
    return {
        "calls": len(outcomes), "criteria": per_criterion,
        "voices": sorted({v for o in outcomes for v in o.extra.get("voices", ())}),
        "audio_s": round(sum(o.extra.get("audio_s", 0.0) for o in outcomes), 1),
        "overall": {"n": len(pooled), "not_met": sum(label == "not_met" for label, _ in pooled),
                    "agreement": metrics.agreement(pooled), "baseline_agreement": metrics.agreement(baseline),
                    "not_met_recall": metrics.not_met_recall(pooled),
                    "baseline_not_met_recall": metrics.not_met_recall(baseline)},
        "summary_facts": {"found": sum(f for f, _ in facts), "total": sum(t for _, t in facts),
                          "coverage": _ratio(sum(f for f, _ in facts), sum(t for _, t in facts))},
        "wer": _ratio(sum(o.wer * o.reference_words for o in with_wer), sum(o.reference_words for o in with_wer)),
        "attribution": {"all": _ratio(sum(r for r, _ in words), sum(t for _, t in words)),
                        "mono": _ratio(sum(r for r, _ in mono_words), sum(t for _, t in mono_words))},
        "pii": {"planted": sum(len(o.call.planted_pii) for o in outcomes),
                "leaked": sum(len(o.leaked) for o in outcomes),
                "calls_with_leaks": sorted(o.call.id for o in outcomes if o.leaked)},
        "over_redaction": over_redaction_figures(outcomes),
        "seconds": {"redact_analyze_score": round(stage_s, 3), "asr": round(asr_s, 3),
                    "share_of_asr": _ratio(stage_s, asr_s),
                    "redact_analyze_score_cpu": round(stage_cpu, 3), "asr_cpu": round(asr_cpu, 3),
                    "cpu_share_of_asr": _ratio(stage_cpu, asr_cpu)},
    }


def call_row(outcome: CallOutcome) -> dict:
    """Per-call detail for --json (labels and predictions, no call text)."""
    return {"id": outcome.call.id, "language": outcome.call.language, "stereo": outcome.call.stereo,
            "labels": outcome.call.labels, "predicted": outcome.predicted, "facts": list(outcome.facts),
            "wer": outcome.wer, "attribution": list(outcome.attribution), "leaks": len(outcome.leaked),
            "over_redacted_words": len(outcome.over_redacted),
            "seconds": {k: round(v, 3) for k, v in outcome.seconds.items()}, **outcome.extra}


def run(calls: list[EvalCall], source: str = "script", voice: str = "piper",
        settings: Settings | None = None, catalog: ProjectCatalog | None = None, progress=None,
        asr_model: str | None = None, asr_cache: Path | None = None) -> dict:
    """Evaluate the calls per language; a language that cannot run is reported as skipped.
    `asr_cache`: a directory to reuse transcripts from (see cached_transcription)."""
    settings = settings or Settings()
    catalog = catalog or load_catalog_file(DEFAULT_PROJECTS_FILE)
    report: dict = {"source": source, "voice": voice if source == "audio" else None, "asr_model": asr_model,
                    "languages": {}, "skipped": {}, "calls": []}
    for language in sorted({c.language for c in calls}):
        subset = [c for c in calls if c.language == language]
        reason = skip_reason(language, subset, catalog, source, settings, asr_model)
        if reason:
            report["skipped"][language] = reason
            continue
        # The worker loads its models, embeds the examples and fits the classifiers before the
        # first call (agents.analyze.agent.warm_up); so does the benchmark, so that the time share
        # compares steady-state costs, not one-time loading.
        if source == "audio":
            for name in sorted({c.project for c in subset}):
                semantic.warm_up(catalog.scorecard(catalog.projects[name].scorecard).criteria, language)
            first = subset[0]
            analyse_transcript(script_transcript(first)[0], catalog.projects[first.project],
                               catalog.scorecard(catalog.projects[first.project].scorecard))
        outcomes = []
        for call in subset:
            outcomes.append(evaluate_call(call, catalog, source, voice, settings, asr_model, asr_cache))
            if progress:
                progress(outcomes[-1])
        report["languages"][language] = summarise(outcomes)
        report["calls"] += [call_row(o) for o in outcomes]
    return report
