"""python -m bench.qa_eval [--source script|audio] [--voice piper|espeak] [--split report|calibrate|all]
[--lang en|ru] [--limit N] [--asr-model M] [--asr-cache [DIR]] [--calls-dir DIR] [--json]: QA verdicts vs the labelled calls, beside a constant-"met" baseline."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before anything imports huggingface_hub

from bench.qa_eval.calls import CALLS_DIR, CRITERIA, load_calls, select  # noqa: E402
from bench.qa_eval.harness import run  # noqa: E402
from bench.qa_eval.render import CACHE_DIR  # noqa: E402

ASR_CACHE_DIR = CACHE_DIR / "asr"


def _pct(value: float | None) -> str:
    return "   -" if value is None else f"{100 * value:3.0f}%"


def format_report(report: dict) -> str:
    lines = [f"source: {report['source']}" + (f", voice: {report['voice']}" if report["voice"] else "")]
    for language, reason in report["skipped"].items():
        lines.append(f"[{language}] skipped: {reason}")
    for language, figures in report["languages"].items():
        spoken = (f", {figures['audio_s']:.0f} s of audio by {' + '.join(figures['voices'])}"
                  if figures.get("voices") else "")
        lines += ["", f"[{language}] {figures['calls']} calls{spoken}",
                  f"  {'criterion':22} {'n':>3} {'not_met':>7}  {'agree':>5} {'(met)':>5}  {'recall':>6} {'(met)':>5}"]
        rows = list(figures["criteria"].items()) + [("overall", figures["overall"])]
        for name, row in rows:
            lines.append(f"  {name:22} {row['n']:>3} {row['not_met']:>7}  {_pct(row['agreement']):>5} "
                         f"{_pct(row['baseline_agreement']):>5}  {_pct(row['not_met_recall']):>6} "
                         f"{_pct(row['baseline_not_met_recall']):>5}")
        facts, pii, seconds, overall = figures["summary_facts"], figures["pii"], figures["seconds"], figures["overall"]
        over = figures["over_redaction"]
        lines += [
            # Exact counts beside the rounded percentages: 151/168 prints as "90%" above.
            f"  overall exactly: {round((overall['agreement'] or 0) * overall['n'])}/{overall['n']} agree "
            f"({100 * (overall['agreement'] or 0):.1f} %), not_met recall "
            f"{round((overall['not_met_recall'] or 0) * overall['not_met'])}/{overall['not_met']}",
            f"  summary facts: {facts['found']}/{facts['total']} ({_pct(facts['coverage']).strip()})",
            f"  WER: {_pct(figures['wer']).strip()}",
            f"  speaker attribution (words): all {_pct(figures['attribution']['all']).strip()}, "
            f"mono {_pct(figures['attribution']['mono']).strip()}",
            f"  PII leaks: {pii['leaked']} of {pii['planted']} planted values"
            + (f" (calls: {', '.join(pii['calls_with_leaks'])})" if pii["calls_with_leaks"] else ""),
            f"  over-redaction: {over['words']} of {over['transcript_words']} words not planted were removed "
            f"({over['per_1000'] or 0:.1f} per 1000), in {len(over['calls_with_any'])} of {figures['calls']} calls",
            f"  redact+analyze+score: {seconds['redact_analyze_score']:.1f} s"
            + (f" = {_pct(seconds['share_of_asr']).strip()} of ASR {seconds['asr']:.1f} s" if seconds["asr"] else ""),
            f"  CPU time: {seconds['redact_analyze_score_cpu']:.1f} s"
            + (f" = {_pct(seconds['cpu_share_of_asr']).strip()} of ASR {seconds['asr_cpu']:.1f} s"
               if seconds["asr_cpu"] else ""),
        ]
    lines += ["", "(met) = the same figure for a constant \"met\" answer; recall = not_met recall."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa_eval", description=__doc__)
    parser.add_argument("--source", choices=("script", "audio"), default="script")
    parser.add_argument("--voice", choices=("piper", "espeak"), default="piper",
                        help="piper: the most natural packaged voice (English piper, Russian Festival); espeak: espeak-ng")
    parser.add_argument("--split", choices=("report", "calibrate", "all"), default="report")
    parser.add_argument("--lang", choices=("en", "ru"))
    parser.add_argument("--limit", type=int, help="at most N calls per language")
    parser.add_argument("--asr-model", help="Whisper model for --source audio (tiny.en or a CTranslate2 "
                        "directory); default: the project's own, else the settings' model")
    parser.add_argument("--asr-cache", type=Path, nargs="?", const=ASR_CACHE_DIR,
                        help="reuse transcripts of unchanged audio, model and transcription code (for "
                        f"analysis work; the ASR seconds are those first measured); default {ASR_CACHE_DIR}")
    parser.add_argument("--calls-dir", type=Path, default=CALLS_DIR,
                        help="labelled calls to use (e.g. an older version of the set, to compare like with like)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    calls = select(load_calls(args.calls_dir), args.split, args.lang, args.limit)
    if not calls:
        print("no calls selected", file=sys.stderr)
        return 1

    def progress(outcome) -> None:
        print(f"  {outcome.call.id}: {sum(outcome.predicted[c] == outcome.call.labels[c] for c in CRITERIA)}"
              f"/{len(CRITERIA)} agree", file=sys.stderr)

    report = run(calls, args.source, args.voice, progress=None if args.json else progress,
                 asr_model=args.asr_model, asr_cache=args.asr_cache)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
