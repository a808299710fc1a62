"""python -m bench.qa_eval.cost [--lang en|ru] [--limit N] [--asr-cache DIR] [--calls-dir DIR] [--profile N]:
where the CPU of redaction + analysis goes, per call, on calibrate calls replayed from the ASR cache
(or from the script without --asr-cache). Calibrate calls only: the held-out half is never profiled.

Prints, per call: CPU of redaction and analysis, the e5 encoder's calls, texts, tokens and CPU,
and the tokens of the call's sentences by who said them and how many words they have (what an
"embed only what is judged" cut could save: the agent's one- and two-word lines are the only ones
no criterion, summary part or role guess reads on a stereo call). --profile N: cProfile's top N
functions of the analysis by cumulative time.
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import time
from pathlib import Path

from agents.analyze import embeddings, semantic
from agents.analyze.embeddings import CallText
from agents.analyze.transcript import turns
from agents.offline import analyse_transcript, call_context
from bench.qa_eval.calls import load_calls, select
from bench.qa_eval.harness import DEFAULT_PROJECTS_FILE, cached_transcription, script_transcript
from catalog.projects import load_catalog_file
from streams.settings import Settings


LONG_TOKENS = 64  # a sentence this long is a run-on: what truncating would save


def length_class(text: str) -> str:
    words = len(text.split())
    return f"{min(words, 3)}{'+' if words >= 3 else ''}w"


class CountingEncoder:
    """embeddings.embed, counting encoder calls, texts, tokens and CPU (the vectors are the same)."""

    def __init__(self, embed) -> None:
        self.embed, self.counts = embed, collections.Counter()

    def __call__(self, texts):
        if len(texts):
            model = embeddings.model()
            self.counts["encoder_calls"] += 1
            self.counts["texts"] += len(texts)
            self.counts["tokens"] += sum(model.token_count(t, True) for t in texts)
            started = time.process_time()
            out = self.embed(texts)
            self.counts["encoder_cpu"] += time.process_time() - started
            return out
        return self.embed(texts)


def sentence_tokens(calls: list[CallText]) -> collections.Counter:
    """Tokens of each distinct sentence by role (mono: every line) and length class."""
    model, seen, out = embeddings.model(), set(), collections.Counter()
    for call in calls:
        for s in call.sentences:
            if s.text not in seen:
                seen.add(s.text)
                role = "mono" if call.mono else call.roles[s.turn.index]
                count = model.token_count(s.text, True)
                out[f"{role} {length_class(s.text)}{'?' if '?' in s.text else ''}"] += count
                out[f"(over {LONG_TOKENS} tokens)"] += count if count > LONG_TOKENS else 0
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="en")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--asr-cache", type=Path, help="replay the audio runs' transcripts from here")
    parser.add_argument("--calls-dir", type=Path)
    parser.add_argument("--profile", type=int, default=0)
    args = parser.parse_args(argv)
    catalog, settings = load_catalog_file(DEFAULT_PROJECTS_FILE), Settings()
    calls = select(load_calls(args.calls_dir) if args.calls_dir else load_calls(), "calibrate", args.lang, args.limit)
    items = []
    for call in calls:
        project = catalog.projects[call.project]
        if args.asr_cache is None:
            transcript = script_transcript(call)[0]
        else:
            from bench.qa_eval.render import render_call
            transcript, _ = cached_transcription(render_call(call, "piper").path, project, settings, None,
                                                 call.direction, args.asr_cache)
        items.append((call, project, transcript))
    for name in sorted({c.project for c in calls}):  # as the harness and the worker do before the first call
        semantic.warm_up(catalog.scorecard(catalog.projects[name].scorecard).criteria, args.lang)
    first = items[0]
    analyse_transcript(script_transcript(first[0])[0], first[1], catalog.scorecard(first[1].scorecard))

    encoder = CountingEncoder(embeddings.embed)
    embeddings.embed = encoder
    profile = cProfile.Profile() if args.profile else None
    seconds, analysed = collections.Counter(), []
    try:
        for call, project, transcript in items:
            if profile:
                profile.enable()
            result = analyse_transcript(transcript, project, catalog.scorecard(project.scorecard),
                                        call_context(project, call.id, direction=call.direction))
            if profile:
                profile.disable()
            seconds.update(result.seconds)
            analysed.append(CallText(turns(result.redacted), call.direction, args.lang))
    finally:
        embeddings.embed = encoder.embed
    n = len(items)
    print(f"{n} {args.lang} calibrate calls, per call:")
    for key in ("redact_cpu", "analyze_cpu", "score_cpu"):
        print(f"  {key:14} {seconds[key] / n:.3f} s")
    for key in ("encoder_calls", "texts", "tokens", "encoder_cpu"):
        print(f"  {key:14} {encoder.counts[key] / n:.3f}")
    tokens = sentence_tokens(analysed)
    total = sum(v for k, v in tokens.items() if not k.startswith("("))
    print(f"distinct sentences' tokens by role and length ({total} in all):")
    for key, value in sorted(tokens.items()):
        print(f"  {key:16} {value:6d} {100 * value / total:5.1f} %")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
