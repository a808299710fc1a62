"""Time every pattern the redaction and analysis code runs on pathological inputs.

Each pattern (ours, compiled in agents.redact.* / agents.analyze.*, and those of the Presidio
recognizers the English and Russian analyzers load, run with the `regex` module as Presidio runs
them) is matched against 35 repeated units x 6 tails of N characters; the worst time per pattern
is printed, SLOW above the budget. A pattern still running after 5 s is stopped and shown as 99 s.
The test that guards this is tests/unit/agents/test_redact_backtracking.py; this is the wider sweep.

    .venv/bin/python -m bench.pattern_audit 4000 0.1
"""
from __future__ import annotations

import os
import re
import signal
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import regex  # noqa: E402
from presidio_analyzer import PatternRecognizer  # noqa: E402

import agents.analyze.reply_checks as reply_checks  # noqa: E402
import agents.analyze.summary as summary  # noqa: E402
import agents.analyze.transcript as analyze_transcript  # noqa: E402
import agents.redact.recognizers as recognizers  # noqa: E402
import agents.redact.russian as russian  # noqa: E402
import agents.redact.transcript as redact_transcript  # noqa: E402
from agents.redact.engine import build_analyzer  # noqa: E402

UNITS = ["dot ", "dot", "a", "a.", "a-", "1", "1 ", "1.", "1,", "one ", "twenty one ", " ", "a ", "a@",
         "a.a@", "@a.", "x dot ", "dot dot at ", "улица ", "дом 1 ", "а", "номер", "-", "a_", "http://a",
         "www.", "1:", "::", "1.1.", "abcd ", "a b ", "fd", ":", "a dot b at c dot "]
TAILS = ["", "!", "@", "\x00", " at", "1"]


class Stopped(Exception):
    pass


def patterns() -> list[tuple[str, object]]:
    found = []
    for language in ("en", "ru"):
        for recognizer in build_analyzer(language).registry.recognizers:
            if isinstance(recognizer, PatternRecognizer):
                found += [(f"presidio/{language}/{recognizer.name}/{p.name}",
                           regex.compile(p.regex, recognizer.global_regex_flags)) for p in recognizer.patterns]
    for module in (recognizers, russian, redact_transcript, summary, reply_checks, analyze_transcript):
        for name, value in vars(module).items():
            items = {name: value} if isinstance(value, re.Pattern) else {
                f"{name}[{k}]": v for k, v in value.items()} if isinstance(value, dict) else {}
            found += [(f"{module.__name__}.{k}", v) for k, v in items.items() if isinstance(v, re.Pattern)]
    return found


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1

    def stop(*_args) -> None:
        raise Stopped

    signal.signal(signal.SIGALRM, stop)
    for name, pattern in patterns():
        worst, where = 0.0, ""
        for unit in UNITS:
            for tail in TAILS:
                text = unit * (n // len(unit)) + tail
                started = time.perf_counter()
                signal.alarm(5)
                try:
                    for _ in pattern.finditer(text):
                        pass
                    took = time.perf_counter() - started
                except Stopped:
                    took = 99.0
                signal.alarm(0)
                if took > worst:
                    worst, where = took, f"{unit!r} * n + {tail!r}"
        print(f"{'SLOW' if worst > budget else 'ok':4} {worst:7.3f} s  {name}  worst: {where}", flush=True)


if __name__ == "__main__":
    main()
