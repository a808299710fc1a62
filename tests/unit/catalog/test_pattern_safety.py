"""Scorecard patterns that can backtrack catastrophically are refused at load time (and so by
`aica scorecard check`), and a slow pattern that slips through gives up instead of stalling the
analyze stage (issue 10, finding 5)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from catalog.check import check_file
from catalog.pattern_safety import backtracking_risk
from catalog.scorecards import Criterion

RISKY = [r"(a+)+", r"(\w+\s?)+$", r"(x*){2,}", r"(ab|a|b)*c", r"((ab)*)+", r"(.*a){2,}",
         r"(\s*\w+)*", r"(x\w+\s?)+", r"(\d+|\w+)*", r"(?:(?:a+)?b?)+", r"(thank you\s*)+ for\s+(\w+\s*)+"]
SAFE = [r"thank you for calling", r"(\w+ )?x", r"\w+( \w+)*", r"(?:\d[ -]?){12,18}\d", r"f+u+c+k\w*",
        r"(ab|cd)+", r"(so |very |really )?sorry", r"(?>\w+\s?)+", r"(\w++\s?)+", r"(\w|\d)+",
        r"(a|ab)*", r"[\w-]+(\.[\w-]+)*", r"(?<!not )possible", r"в течение \w+ (рабочих )?(дней|часов)"]


@pytest.mark.parametrize("pattern", RISKY)
def test_risky_pattern_is_refused(pattern):
    assert backtracking_risk(pattern)
    with pytest.raises(ValidationError, match="can take minutes"):
        Criterion(id="c", label="C", weight=1, rules={"en": [pattern]})


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_pattern_is_accepted(pattern):
    assert backtracking_risk(pattern) is None
    Criterion(id="c", label="C", weight=1, rules={"en": [pattern]}, reject_if={"en": [[pattern, "x"]]})


@pytest.mark.parametrize("pattern,text", [(r"(a+)+$", "a" * 34 + "!"), (r"(\w+\s?)+$", "a" * 34 + "!"),
                                          (r"(ab|a|b)*c", "ab" * 34), (r"(\s*\w+)*$", "a" * 34 + "!")])
def test_refused_shapes_really_blow_up(pattern, text):
    """Not an arbitrary rule: each shape is exponential in `re` (2^34 steps on 34 characters, far
    more than the 5 s the child process gets before it is killed)."""
    assert backtracking_risk(pattern)
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", f"import re; re.search({pattern!r}, {text!r})"], timeout=5)


def test_scorecard_check_reports_the_risky_pattern_with_its_line(tmp_path):
    path = tmp_path / "projects.yaml"
    path.write_text("""default_project: p
projects:
  p:
    scorecard: card
scorecards:
  card:
    version: "1"
    criteria:
      - id: greeting
        label: Greeting
        weight: 1
        rules:
          en: ["hello", "(\\\\w+\\\\s?)+ speaking"]
""")
    problem = check_file(path)[0]  # (then: the card has no valid criterion left)
    assert problem.line == 13 and "rules" in problem.where
    assert "can take minutes" in problem.message and '"(\\w+\\s?)+ speaking"' in problem.message


SLOW_SEARCH = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stdout)
from agents.analyze.transcript import rule_search
# Polynomial (n^5: five lazy stars, each may take any comma), not one of the refused shapes.
print("match:", rule_search(r".*?,.*?,.*?,.*?,.*?;", "a," * 800))
"""


def test_a_slow_pattern_gives_up_and_says_which():
    done = subprocess.run([sys.executable, "-c", SLOW_SEARCH], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "match: None" in done.stdout
    assert "gave up" in done.stdout and ".*?,.*?" in done.stdout
    assert "a,a," not in done.stdout  # the turn's text is never logged
