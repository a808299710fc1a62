"""`aica scorecard check`: problems are reported with the line they are on."""
from __future__ import annotations

from catalog.check import check_file
from catalog.projects import DEFAULT_PROJECTS_FILE


def test_the_built_in_catalog_has_no_problems():
    assert check_file(DEFAULT_PROJECTS_FILE) == []


def test_a_bad_weight_and_an_unknown_key_point_at_their_lines(tmp_path):
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
        weight: -1
      - id: closing
        label: Closing
        weight: 1
        colour: blue
""")
    problems = check_file(path)
    assert any(p.line == 11 and "weight" in p.where for p in problems), problems
    assert any(p.line == 15 and "colour" in p.where for p in problems), problems


def test_broken_yaml_gives_its_line(tmp_path):
    path = tmp_path / "projects.yaml"
    path.write_text("default_project: p\nprojects:\n  p: [unclosed\n")
    [problem] = check_file(path)
    assert problem.where == "yaml" and problem.line >= 3
