"""The direction of imports is enforced (pyproject.toml [tool.importlinter], docs/architecture.md):
the tree keeps every contract, and a violating import makes lint-imports fail."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("aica", "gateway", "dashboard", "agents", "sinks", "control", "catalog", "bitrix", "warehouse",
            "blobs", "httpapi", "streams", "schemas", "sandbox", "bench")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_tree_keeps_every_import_contract():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_plumbing_module_importing_a_stage_breaks_the_layers(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.avsc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "streams" / "shortcut.py").write_text("from agents import score  # plumbing must not know stages\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "streams is not allowed to import agents" in result.stdout
