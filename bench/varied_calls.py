"""New calls for every round of bench.pipeline_vs_whisper (`--vary-calls`).

The demo samples are five calls, so later rounds repeat round 1's and the worker's sentence
cache answers their text stages. Here each round gets calls of its own: the calibrate half of
bench/qa_eval's labelled calls (never the report half, which is kept for quality figures), as
demo samples spoken with espeak-ng (Russian with Festival) like aica/samples, about one in four
Russian as in the demo mix."""
from __future__ import annotations

from aica.samples import Sample, Turn
from bench.qa_eval.calls import EvalCall, load_calls, select

LINES = {"support-en": "74951234567", "support-ru": "74957654321"}  # catalog/default_projects.yaml
VOICES = {"en": ("en-us", "en+Annie"), "ru": ("festival-ru", "festival-ru:pitch=400")}
RUSSIAN_EVERY = 4


def as_sample(call: EvalCall) -> Sample:
    agent, client = VOICES[call.language]
    return Sample(id=call.id, title=call.id, line=LINES[call.project], direction=call.direction,
                  stereo=call.stereo, turns=tuple(Turn(t.speaker, t.text) for t in call.turns),
                  planted_pii=call.planted_pii, agent_voice=agent, client_voice=client, language=call.language)


def mixed(english: list, russian: list) -> list:
    """English calls with every RUSSIAN_EVERY-th a Russian one, while both last."""
    out, en, ru = [], iter(english), iter(russian)
    for n in range(len(english) + len(russian)):
        first, second = (ru, en) if n % RUSSIAN_EVERY == RUSSIAN_EVERY - 1 else (en, ru)
        call = next(first, None) or next(second, None)
        if call is not None:
            out.append(call)
    return out


def calls_per_round(calls: int, rounds: int) -> list[list[Sample]]:
    """`rounds` lists of `calls` different calibrate calls (no call in two rounds)."""
    chosen = select(load_calls(), split="calibrate")
    order = mixed([c for c in chosen if c.language == "en"], [c for c in chosen if c.language == "ru"])
    if calls * rounds > len(order):
        raise ValueError(f"{calls} calls x {rounds} rounds: only {len(order)} calibrate calls")
    return [[as_sample(c) for c in order[r * calls:(r + 1) * calls]] for r in range(rounds)]
