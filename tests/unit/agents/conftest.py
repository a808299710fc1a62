"""Fixtures for the agents tests: the packaged catalog, real models, real synthetic speech."""
from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.settings import Settings


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def builtin_catalog():
    """The packaged catalog (catalog/projects.yaml), parsed and validated once per test session:
    its scorecards are frozen models, so tests can share it. A test of loading itself, or of
    state an Analyzer builds on a catalog, still loads its own."""
    from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

    return load_catalog_file(DEFAULT_PROJECTS_FILE)


@pytest.fixture(scope="session")
def whisper_model():
    from agents.transcribe import load_model

    return load_model(Settings())


@pytest.fixture(scope="session")
def english_analyzer():
    from agents.redact import build_analyzer

    return build_analyzer("en")


@pytest.fixture
def speak(tmp_path: Path) -> Callable[..., Path]:
    """speak(text, voice=..., name=...) -> 8 kHz mono 16-bit WAV of espeak-ng speech."""
    def _speak(text: str, voice: str = "en-us", name: str = "speech") -> Path:
        raw, out = tmp_path / f"{name}-raw.wav", tmp_path / f"{name}.wav"
        _run("espeak-ng", "-v", voice, "-s", "150", "-w", raw, text)
        _run("sox", raw, "-r", "8000", "-b", "16", out, "remix", "1")
        return out
    return _speak


@pytest.fixture
def two_sides(tmp_path: Path, speak) -> Callable[[str, str], Path]:
    """two_sides(left_text, right_text) -> stereo WAV: left speaks first, then right."""
    def _two_sides(left_text: str, right_text: str) -> Path:
        left, right = speak(left_text, "en-us", "left"), speak(right_text, "en+Annie", "right")
        left_s = float(subprocess.run(["soxi", "-D", str(left)], check=True,
                                      capture_output=True, text=True).stdout)
        right_s = float(subprocess.run(["soxi", "-D", str(right)], check=True,
                                       capture_output=True, text=True).stdout)
        left_padded, right_padded = tmp_path / "left-pad.wav", tmp_path / "right-pad.wav"
        _run("sox", left, left_padded, "pad", "0", str(right_s + 1.0))
        _run("sox", right, right_padded, "pad", str(left_s + 1.0), "0")
        out = tmp_path / "stereo.wav"
        _run("sox", "-M", left_padded, right_padded, out)
        return out
    return _two_sides
