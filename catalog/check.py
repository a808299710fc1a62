"""`aica scorecard check FILE.yaml`: every problem of a projects/scorecards file with the line it
is on, so a QA lead can fix a scorecard before rolling it out."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from catalog.projects import ProjectConfigError, parse_catalog


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 when the problem is about the whole file
    where: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.where}: {self.message}" if self.line else f"{self.where}: {self.message}"


def _line_of(node: yaml.Node | None, loc: tuple) -> int:
    """The line of the deepest node of `loc` that exists in the file (pydantic adds loc parts,
    e.g. a validator's name, that are not keys)."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def check_file(path: Path) -> list[Problem]:
    """No problems: the file loads exactly as the worker would load it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        return [Problem(0, str(path), f"cannot read: {exc.strerror}")]
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        return [Problem(mark.line + 1 if mark else 0, "yaml", str(exc.problem))]
    try:
        parse_catalog(data, str(path))
    except ProjectConfigError as exc:
        if not exc.problems:
            return [Problem(0, "file", str(exc))]
        return [Problem(_line_of(root, loc), ".".join(map(str, loc)) or "file", msg) for loc, msg in exc.problems]
    return []
