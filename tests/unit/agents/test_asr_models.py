"""The multilingual Whisper base joined from its two wheels: checksum-verified and idempotent."""
from __future__ import annotations

import pytest

from agents.asr_models import (BASE, BASE_FILES_SHA256, TINY_EN, ModelChecksumError, assemble_base,
                               is_assembled, model_directory, model_label)


def test_assembling_is_verified_and_done_once(tmp_path):
    target = assemble_base(tmp_path / "base")
    assert is_assembled(target)
    assert {p.name for p in target.iterdir()} >= set(BASE_FILES_SHA256)
    mtime = (target / "model.bin").stat().st_mtime_ns
    assert assemble_base(target) == target  # a second run leaves the verified copy alone
    assert (target / "model.bin").stat().st_mtime_ns == mtime
    assert not (tmp_path / "base.partial").exists()


def test_a_checksum_mismatch_leaves_nothing_behind(tmp_path):
    wrong = {**BASE_FILES_SHA256, "model.bin": "0" * 64}
    with pytest.raises(ModelChecksumError, match="model.bin"):
        assemble_base(tmp_path / "base", wrong)
    assert not (tmp_path / "base").exists() and not (tmp_path / "base.partial").exists()


def test_a_damaged_assembly_is_rebuilt(tmp_path):
    target = assemble_base(tmp_path / "base")
    (target / ".verified").write_text("stale\n")  # e.g. an interrupted earlier version
    assert not is_assembled(target)
    assert is_assembled(assemble_base(target))


def test_model_names_resolve(tmp_path, monkeypatch):
    assert (model_directory(TINY_EN) / "model.bin").is_file()
    monkeypatch.setenv("AICA_ASR_CACHE_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="setup.sh"):
        model_directory(BASE)
    assemble_base(tmp_path / BASE)
    assert model_directory(BASE) == tmp_path / BASE
    assert model_label("/srv/models/whisper-small") == "whisper-small" and model_label(BASE) == BASE
