"""The speaker encoder's weights, taken once from the Resemblyzer wheel on PyPI.

Resemblyzer (Apache-2.0) ships a GE2E speaker encoder (Wan et al. 2018: 3-layer LSTM over 40 mel
bands, 256-d voice embeddings) as `resemblyzer/pretrained.pt`, a PyTorch checkpoint in the legacy
(pre-1.6) format. PyTorch itself is ~2 GB of dependencies for a 1.4 M-weight network, so
`scripts/setup.sh` runs `python -m agents.speakers.encoder_weights ensure`, which downloads the
wheel without its dependencies, checks its sha256, reads the checkpoint's tensors with an
unpickler that builds nothing but arrays, and saves them as a plain `.npz` (loaded at run time
with `allow_pickle=False`).
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from agents.asr_models import sha256_of

WHEEL = "resemblyzer==0.1.4"
WHEEL_SHA256 = "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f"
CHECKPOINT_IN_WHEEL = "resemblyzer/pretrained.pt"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO_ROOT / ".cache" / "speakers" / "ge2e-resemblyzer-0.1.4.npz"
PATH_ENV = "AICA_SPEAKER_ENCODER_WEIGHTS"
_STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                   "LongStorage": np.int64, "IntStorage": np.int32}


class EncoderWeightsMissing(FileNotFoundError):
    pass


def weights_path() -> Path:
    return Path(os.environ.get(PATH_ENV) or DEFAULT_PATH)


def load_weights(path: Path | None = None) -> dict[str, np.ndarray]:
    path = path or weights_path()
    if not path.is_file():
        raise EncoderWeightsMissing(f"speaker encoder weights not found at {path}: run scripts/setup.sh "
                                    f"(python -m agents.speakers.encoder_weights ensure)")
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}


# --- reading the legacy PyTorch checkpoint without PyTorch ---------------------------------------
class _Storage:
    def __init__(self, dtype: type, numel: int):
        self.dtype, self.numel, self.data = dtype, numel, np.zeros(0, dtype)


class _TensorRef:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self) -> np.ndarray:
        item = self.storage.data.itemsize
        return np.lib.stride_tricks.as_strided(self.storage.data[self.offset:], self.size,
                                               [s * item for s in self.stride]).copy()


def _rebuild_tensor(storage, offset, size, stride, *_ignored):
    return _TensorRef(storage, offset, size, stride)


class _CheckpointUnpickler(pickle.Unpickler):
    """Only what a state-dict checkpoint holds: dicts, tensors and their storages. Anything else
    in the pickle (an optimizer's classes, say) becomes None instead of being imported."""

    def __init__(self, handle, storages: dict[str, _Storage]):
        super().__init__(handle)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        return _ignored

    def persistent_load(self, saved_id):
        _kind, storage_type, key, _location, numel = saved_id[:5]
        if storage_type not in _STORAGE_DTYPES:
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r}")
        return self.storages.setdefault(key, _Storage(_STORAGE_DTYPES[storage_type], numel))


def _ignored(*_args, **_kwargs) -> None:
    return None


def read_legacy_checkpoint(handle: io.BufferedIOBase) -> dict:
    """torch.save's legacy layout: magic, protocol, sys info, the object (tensors by persistent
    id), the storage keys in file order, then each storage as an int64 count and raw bytes."""
    for _header in range(3):
        pickle.load(handle)  # noqa: S301 - plain ints and a dict of ints/bools
    storages: dict[str, _Storage] = {}
    checkpoint = _CheckpointUnpickler(handle, storages).load()
    for key in pickle.load(handle):  # noqa: S301 - a list of strings
        storage = storages[key]
        (numel,) = struct.unpack("<q", handle.read(8))
        storage.data = np.frombuffer(handle.read(numel * np.dtype(storage.dtype).itemsize), storage.dtype)
    return checkpoint


def state_dict_arrays(checkpoint: dict) -> dict[str, np.ndarray]:
    return {name: ref.array() for name, ref in checkpoint["model_state"].items() if isinstance(ref, _TensorRef)}


def convert_wheel(wheel: Path, target: Path) -> Path:
    """The encoder's weights from a Resemblyzer wheel of the pinned checksum into `target` (.npz)."""
    actual = sha256_of(wheel)
    if actual != WHEEL_SHA256:
        raise ValueError(f"{wheel.name}: sha256 {actual}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive, archive.open(CHECKPOINT_IN_WHEEL) as packed:
        arrays = state_dict_arrays(read_legacy_checkpoint(io.BufferedReader(packed)))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial.npz")
    np.savez(partial, **arrays)
    os.replace(partial, target)
    return target


def ensure(target: Path | None = None) -> Path:
    target = target or weights_path()
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory() as download:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                        "--no-deps", "-d", download, WHEEL], check=True)
        (wheel,) = Path(download).glob("*.whl")
        return convert_wheel(wheel, target)


if __name__ == "__main__":
    if sys.argv[1:] != ["ensure"]:
        sys.exit("usage: python -m agents.speakers.encoder_weights ensure")
    print(ensure())
