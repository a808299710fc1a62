"""The labelled evaluation calls (`calls/*.yaml`, format and label rules in GUIDE.md)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CALLS_DIR = Path(__file__).parent / "calls"
CRITERIA = ("greeting", "verification", "empathy", "resolution", "no_rude_language",
            "recording_disclosure", "card_not_read_back", "closing")
VERDICTS = ("met", "not_met", "na")
LANGUAGES = ("en", "ru")
SPLITS = ("calibrate", "report")
SPEAKERS = ("agent", "client")
DIRECTIONS = ("incoming", "outgoing")


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str


@dataclass(frozen=True)
class EvalCall:
    id: str
    language: str
    stereo: bool
    project: str
    split: str
    turns: tuple[Turn, ...]
    labels: dict[str, str]
    summary_facts: tuple[tuple[str, ...], ...]  # each fact: its accepted alternatives
    planted_pii: tuple[str, ...]
    direction: str = "incoming"  # who rang: the client (incoming) or the agent (outgoing)


class BadCall(ValueError):
    """A call file that does not follow GUIDE.md."""


def _check(condition: bool, call_id: str, problem: str) -> None:
    if not condition:
        raise BadCall(f"{call_id}: {problem}")


def parse_call(raw: dict) -> EvalCall:
    call_id = str(raw.get("id"))
    _check(raw.get("language") in LANGUAGES, call_id, f"language must be one of {LANGUAGES}")
    _check(raw.get("split") in SPLITS, call_id, f"split must be one of {SPLITS}")
    _check(isinstance(raw.get("stereo"), bool), call_id, "stereo must be true or false")
    direction = raw.get("direction", "incoming")
    _check(direction in DIRECTIONS, call_id, f"direction must be one of {DIRECTIONS}")
    turns = tuple(Turn(t["speaker"], str(t["text"]).strip()) for t in raw.get("turns") or ())
    _check(all(t.speaker in SPEAKERS and t.text for t in turns), call_id, "turns need agent|client and text")
    _check(8 <= len(turns) <= 16, call_id, f"{len(turns)} turns, want 8-16")
    labels = dict(raw.get("labels") or {})
    _check(set(labels) == set(CRITERIA), call_id, f"labels must cover exactly {CRITERIA}")
    _check(all(v in VERDICTS for v in labels.values()), call_id, f"verdicts must be in {VERDICTS}")
    facts = tuple(tuple([f] if isinstance(f, str) else [str(a) for a in f]) for f in raw.get("summary_facts") or ())
    _check(2 <= len(facts) <= 4 and all(facts), call_id, "summary_facts: 2-4 facts")
    return EvalCall(id=call_id, language=raw["language"], stereo=raw["stereo"], project=str(raw["project"]),
                    split=raw["split"], turns=turns, labels=labels, summary_facts=facts,
                    planted_pii=tuple(str(v) for v in raw.get("planted_pii") or ()), direction=direction)


def load_calls(directory: Path = CALLS_DIR) -> list[EvalCall]:
    calls = []
    for path in sorted(directory.glob("*.yaml")):
        call = parse_call(yaml.safe_load(path.read_text(encoding="utf-8")))
        _check(call.id == path.stem, call.id, f"id differs from file name {path.name}")
        calls.append(call)
    return calls


def select(calls: list[EvalCall], split: str = "report", language: str | None = None,
           limit: int | None = None) -> list[EvalCall]:
    """split "all" keeps both halves; limit applies per language, so a subset keeps both."""
    chosen = [c for c in calls if split in ("all", c.split) and language in (None, c.language)]
    if limit is None:
        return chosen
    kept, per_language = [], {}
    for call in chosen:
        if per_language.get(call.language, 0) < limit:
            kept.append(call)
            per_language[call.language] = per_language.get(call.language, 0) + 1
    return kept
