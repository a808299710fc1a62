"""Fit the offline engine's per-criterion cosine thresholds on the CALIBRATE half of the labelled
set, from the exact scripts (no ASR), and print them as YAML for catalog/default_projects.yaml.

    python -m bench.qa_eval.calibrate [CALLS_DIR]                    # fit on split=calibrate
    python -m bench.qa_eval.calibrate [CALLS_DIR] --evaluate report  # score the built-in thresholds
    python -m bench.qa_eval.calibrate --with-audio --lang en         # fit on script + piper audio

Transcripts are built from the scripted turns with estimated timestamps; stereo calls keep their
speaker labels, mono calls get "unknown" (as a mono recording would without attribution). Each
transcript goes through the real redaction first, so the engine sees what it sees in production.
Fitting never reads the report half; `--evaluate report` only applies the thresholds already in
the scorecard and prints the figures.

`--with-audio` adds each call a second time as the ASR stage hears it (rendered by the harness,
transcribed, mono calls attributed to speakers): the thresholds are then fitted on the kind of
text they judge in production, not only on clean script. Leave-one-out leaves out both copies.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import yaml

from agents.analyze import exemplars
from agents.analyze.embeddings import CallText, embed_examples
from agents.analyze.exemplars import style_examples
from agents.analyze.semantic import (DEFAULT_THRESHOLD, assess, contrast, default_applies_threshold, default_threshold,
                                     text_for, uses_applies_classifier, uses_classifier, verdict_of)
from agents.analyze.semantic import warm_up as embed_scorecard_examples
from agents.analyze.summary import template_summary
from agents.analyze.transcript import turns
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

CALLS_DIR = Path(__file__).with_name("calls")
# Fitted thresholds stay in a plausible cosine band: with a handful of calls per language an
# extreme value (0.99 = "never by meaning") is more likely noise than signal.
THRESHOLD_BAND = (0.85, 0.97)
# A classifier's threshold is a probability: at least even odds, short of certainty.
CLASSIFIER_BAND = (0.5, 0.99)
# ASR speed per language (x real time, docs/stack-notes: tiny.en 13.8x, multilingual base 8.8x on
# 2 cores, beam 5) to set analysis time against the ASR time of the same call.
ASR_REAL_TIME_FACTOR = {"en": 13.8, "ru": 8.8}
ASR_THREADS = 2
WORDS_PER_S = 2.6  # conversational speech rate for estimated timestamps
GAP_S = 0.6


def load_calls(calls_dir: Path, split: str) -> list[dict]:
    calls = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(Path(calls_dir).glob("*.yaml"))]
    return [c for c in calls if c.get("split") == split]


def transcript_from(call: dict) -> dict:
    segments, clock = [], 0.0
    for turn in call["turns"]:
        length = max(1.0, len(turn["text"].split()) / WORDS_PER_S)
        speaker = turn["speaker"] if call.get("stereo") else "unknown"
        segments.append({"start": round(clock, 2), "end": round(clock + length, 2), "speaker": speaker,
                         "text": turn["text"], "words": []})
        clock += length + GAP_S
    context = {"call_id": call["id"], "member_id": "bench", "domain": "bench", "activity_id": 0,
               "project": call["project"], "language": call["language"], "line": None, "direction": call.get("direction", "incoming"),
               "responsible_id": None, "started_at": None, "duration_s": None, "bindings": [], "versions": {}}
    return {"context": context, "audio_uri": f"bench://{call['id']}", "language": call["language"],
            "audio_duration_s": clock, "channels": 2 if call.get("stereo") else 1, "segments": segments}


def redacted(transcript: dict) -> tuple[dict, float]:
    from agents.redact.agent import redact_record

    started = time.process_time()
    out = redact_record(transcript)
    return out, time.process_time() - started


def warm_up(calls: list[dict], catalog) -> None:
    """Embed every scorecard's examples once, as a long-running analyze worker does at its first call."""
    for project in {c["project"] for c in calls}:
        scorecard = catalog.scorecard(catalog.projects[project].scorecard)
        language = catalog.projects[project].language
        embed_scorecard_examples(scorecard.criteria, language)
    for group in (exemplars.REASON, exemplars.ACTION, exemplars.NEXT, exemplars.NOT_CONTENT, *style_examples()):
        embed_examples(group)


def audio_transcript(call: dict, catalog, voice: str = "piper") -> dict:
    """The call rendered as the harness renders it and transcribed as the ASR stage would."""
    from agents.offline import transcribe_recording
    from bench.qa_eval.calls import parse_call
    from bench.qa_eval.render import render_call
    from streams.settings import Settings

    rendered = render_call(parse_call(call), voice)
    body, _seconds = transcribe_recording(rendered.path, catalog.projects[call["project"]], Settings(),
                                          direction=call.get("direction", "incoming"))
    script = transcript_from(call)
    return {**script, **body, "audio_uri": f"bench://{call['id']}/{voice}"}


def prepare(calls: list[dict], catalog, source=transcript_from, label: str = "script") -> list[dict]:
    """Per call: its redacted CallText, scorecard, assessments per criterion, summary and timings;
    `label` names where the transcript came from."""
    warm_up(calls, catalog)
    prepared = []
    for call in calls:
        transcript, redact_s = redacted(source(call))
        started = time.process_time()
        scorecard = catalog.scorecard(catalog.projects[call["project"]].scorecard)
        text = CallText(turns(transcript), transcript["context"]["direction"], transcript.get("language") or "en")
        language = call["language"]
        clauses = text.in_clauses()  # as agents.analyze.rules judges a call
        judged = {c.id: text_for(c, text, clauses) for c in scorecard.criteria}
        assessed = {c.id: assess(c, judged[c.id], language, contrast(c, scorecard.criteria, language)
                                 if language in c.examples else ()) for c in scorecard.criteria}
        summary = template_summary(text, call["language"])
        prepared.append({"call": call, "source": label, "text": text, "judged": judged, "scorecard": scorecard,
                         "assessed": assessed, "summary": summary, "redact_s": redact_s,
                         "analyze_s": time.process_time() - started, "audio_s": transcript["audio_duration_s"]})
    return prepared


def verdict(item: dict, criterion_id: str, threshold: float | None = None,
            applies_threshold: float | None = None) -> str:
    criterion = item["scorecard"].criterion(criterion_id)
    language = item["call"]["language"]
    if threshold is None:
        threshold = criterion.threshold_for(language, default_threshold(criterion, language))
    if applies_threshold is None:
        applies_threshold = criterion.applies_threshold_for(language, default_applies_threshold(criterion, language))
    if not criterion.rules.get(language) and language not in criterion.examples:
        return "na"
    return verdict_of(criterion, item["assessed"][criterion_id], threshold, item["judged"][criterion_id], applies_threshold)["verdict"]


def _best_cut(scores: set[float], rank, default: float, band: tuple[float, float] = THRESHOLD_BAND) -> float:
    """The midpoint between observed scores that ranks highest (ties: nearest the default, so the
    prior stands where the labels do not decide), kept within the band."""
    low, high = band
    ordered = sorted({round(x, 4) for x in scores} | {low, high})
    candidates = sorted({min(high, max(low, round((a + b) / 2, 4))) for a, b in zip(ordered, ordered[1:])})
    ranked = [(rank(t), t) for t in candidates]
    best_key = max(key for key, _ in ranked)
    return min((t for key, t in ranked if key == best_key), key=lambda t: (abs(t - default), t))


def fit_applies(items: list[dict], criterion_id: str) -> float:
    """applies_threshold: the cut that best separates calls labelled na from the others."""
    def rank(t: float) -> tuple[int]:
        return (sum((i["assessed"][criterion_id].applies_score < t) == (i["call"]["labels"].get(criterion_id) == "na")
                    for i in items),)
    criterion, language = items[0]["scorecard"].criterion(criterion_id), items[0]["call"]["language"]
    band = CLASSIFIER_BAND if uses_applies_classifier(criterion, language) else THRESHOLD_BAND
    return _best_cut({i["assessed"][criterion_id].applies_score for i in items}, rank,
                     default_applies_threshold(criterion, language), band)


def fit(items: list[dict], criterion_id: str, applies_threshold: float | None = None) -> float:
    """threshold: the most agreements, then the most not_met caught."""
    def rank(t: float) -> tuple[int, int]:
        pairs = [(verdict(i, criterion_id, t, applies_threshold), i["call"]["labels"].get(criterion_id)) for i in items]
        return sum(v == label for v, label in pairs), sum(v == label == "not_met" for v, label in pairs)
    criterion, language = items[0]["scorecard"].criterion(criterion_id), items[0]["call"]["language"]
    if uses_classifier(criterion, language):
        return _best_cut({i["assessed"][criterion_id].best for i in items}, rank,
                         default_threshold(criterion, language), CLASSIFIER_BAND)
    return _best_cut({i["assessed"][criterion_id].best for i in items}, rank, DEFAULT_THRESHOLD)


def figures(items: list[dict], thresholds: dict | None = None) -> dict:
    """thresholds: criterion id -> (threshold, applies_threshold), else the scorecard's."""
    agree = total = not_met = caught = constant = 0
    per_criterion: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        for criterion_id, label in item["call"]["labels"].items():
            t, applies_t = (thresholds or {}).get(criterion_id, (None, None))
            got = verdict(item, criterion_id, t, applies_t)
            total, agree, constant = total + 1, agree + (got == label), constant + (label == "met")
            per_criterion[criterion_id][0] += got == label
            per_criterion[criterion_id][1] += 1
            if label == "not_met":
                not_met, caught = not_met + 1, caught + (got == "not_met")
    return {"agreement": agree / total, "not_met_recall": caught / not_met if not_met else 1.0,
            "constant_met": constant / total, "pairs": total,
            "per_criterion": {k: f"{a}/{n}" for k, (a, n) in sorted(per_criterion.items())}}


def fit_all(items: list[dict], language: str) -> dict:
    fitted = {}
    for criterion in items[0]["scorecard"].criteria:
        examples = criterion.examples.get(language)
        if examples and language not in criterion.wording_only:  # no threshold to fit: words only
            applies_t = fit_applies(items, criterion.id) if examples.applies else None
            fitted[criterion.id] = (fit(items, criterion.id, applies_t), applies_t)
    return fitted


def cross_validate(items: list[dict], language: str) -> None:
    """Leave one calibrate call out (every copy of it), fit on the rest, judge it: how fitted
    thresholds generalise, estimated without touching the report half. With several sources,
    for each choice of what to fit on, judged on each source."""
    sources = sorted({i["source"] for i in items})
    choices = [tuple(sources)] + ([(s,) for s in sources] if len(sources) > 1 else [])
    for fitted_on in choices:
        for judged in sources:
            agree = total = not_met = caught = 0
            for held in (i for i in items if i["source"] == judged):
                fitted = fit_all([i for i in items if i["call"]["id"] != held["call"]["id"]
                                  and i["source"] in fitted_on], language)
                for criterion_id, label in held["call"]["labels"].items():
                    t, applies_t = fitted.get(criterion_id, (None, None))
                    got = verdict(held, criterion_id, t, applies_t)
                    total, agree = total + 1, agree + (got == label)
                    not_met, caught = not_met + (label == "not_met"), caught + (label == got == "not_met")
            print(f"[{language} leave-one-out on calibrate, fitted on {'+'.join(fitted_on)}, judged on {judged}] "
                  f"agreement={agree}/{total} ({agree / total:.1%}) not_met_recall={caught}/{not_met}")


def fact_coverage(items: list[dict]) -> tuple[int, int]:
    held = total = 0
    for item in items:
        summary = item["summary"].lower()
        for fact in item["call"].get("summary_facts", ()):
            options = fact if isinstance(fact, list) else [fact]
            total += 1
            held += any(str(o).lower() in summary for o in options)
    return held, total


def report(items: list[dict], language: str, thresholds: dict | None = None) -> None:
    f = figures(items, thresholds)
    held, total = fact_coverage(items)
    analyze = sorted(i["analyze_s"] for i in items)
    # CPU seconds on both sides (the machine is shared, wall time is not): ASR keeps 2 threads busy.
    asr_s = sum(ASR_THREADS * i["audio_s"] / ASR_REAL_TIME_FACTOR.get(i["call"]["language"], 8.8) for i in items)
    cost = sum(i["analyze_s"] + i["redact_s"] for i in items) / asr_s
    print(f"[{language}] calls={len(items)} pairs={f['pairs']} agreement={f['agreement']:.1%} "
          f"not_met_recall={f['not_met_recall']:.1%} constant_met={f['constant_met']:.1%} "
          f"summary_facts={held}/{total} ({held / max(total, 1):.0%})")
    print(f"    per call, CPU seconds: analyze_s median={analyze[len(analyze) // 2]:.3f} max={analyze[-1]:.3f} "
          f"redact_s median={sorted(i['redact_s'] for i in items)[len(items) // 2]:.3f} "
          f"audio_s mean={sum(i['audio_s'] for i in items) / len(items):.0f}; "
          f"(analysis + redaction) / estimated ASR time = {cost:.0%}")
    print(f"    per criterion: {f['per_criterion']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls_dir", nargs="?", type=Path, default=CALLS_DIR)
    parser.add_argument("--evaluate", choices=("calibrate", "report"),
                        help="only score the scorecard's current thresholds on this split (no fitting)")
    parser.add_argument("--summaries", action="store_true", help="print each call's summary")
    parser.add_argument("--cross-validate", action="store_true", help="leave-one-out estimate on the calibrate split")
    parser.add_argument("--with-audio", action="store_true",
                        help="also each call as transcribed from piper audio (English only: no Russian voice)")
    parser.add_argument("--lang", choices=("en", "ru"), help="only this language's calls")
    args = parser.parse_args()
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    split = args.evaluate or "calibrate"
    calls = [c for c in load_calls(args.calls_dir, split) if args.lang in (None, c["language"])]
    prepared = prepare(calls, catalog)
    if args.with_audio:
        english = [c for c in calls if c["language"] == "en"]
        prepared += prepare(english, catalog, partial(audio_transcript, catalog=catalog), "audio")
    by_language: dict[str, list[dict]] = defaultdict(list)
    for item in prepared:
        by_language[item["call"]["language"]].append(item)
        if args.summaries:
            print(f"  {item['call']['id']}: {item['summary']}")
    print(f"split={split}")
    for language, items in sorted(by_language.items()):
        if args.evaluate:
            report(items, language)
            continue
        sources = sorted({i["source"] for i in items})
        for source in sources:
            report([i for i in items if i["source"] == source], f"{language} {source} before fitting")
        fitted = fit_all(items, language)
        for source in sources:
            report([i for i in items if i["source"] == source], f"{language} {source} fitted", fitted)
        if args.cross_validate:
            cross_validate(items, language)
        print(f"  # thresholds for scorecard {items[0]['scorecard'].id} ({language}):")
        for criterion_id, (t, applies_t) in fitted.items():
            extra = f", applies_threshold: {{{language}: {applies_t}}}" if applies_t is not None else ""
            print(f"  {criterion_id}: {{threshold: {{{language}: {t}}}{extra}}}")


if __name__ == "__main__":
    main()
