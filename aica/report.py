"""What `aica analyze` prints for a person: the score, each criterion with its evidence, the
summary and what to improve, from the redacted transcript only."""
from __future__ import annotations

from agents.offline import CallResult
from catalog.scorecards import Scorecard

MARKS = {"met": "+", "not_met": "-", "na": " "}


def clock(seconds: float | None) -> str:
    s = int(round(seconds or 0))
    return f"{s // 60}:{s % 60:02d}"


def format_result(path: str, result: CallResult, scorecard: Scorecard) -> str:
    score, analysis = result.score, result.analysis
    duration = result.redacted.get("audio_duration_s") or 0.0
    lines = [f"{path}  ({clock(duration)}, {result.redacted.get('channels', 1)} channel(s), "
             f"{result.redacted.get('language', '?')})",
             f"  score {score['score']}/100  {score['outcome']}  compliance {score['compliance']}  [{scorecard.ref}]"]
    for row in score["criteria"]:
        weight = f"{row['points']:g}/{row['weight']:g}"
        lines.append(f"  {MARKS.get(row['verdict'], '?')} {row['verdict']:<8} {row['label']} ({weight})"
                     + ("  CRITICAL" if row["critical"] and row["verdict"] == "not_met" else ""))
        for quote in row.get("evidence") or []:
            lines.append(f"      {clock(quote.get('start'))}  \u201c{quote['quote']}\u201d")
    if analysis.get("summary"):
        lines.append(f"  summary: {analysis['summary']}")
    for line in analysis.get("improvements") or []:
        lines.append(f"  improve: {line}")
    return "\n".join(lines)
