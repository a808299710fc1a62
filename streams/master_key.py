"""The product's master key (Fernet): it encrypts portal tokens on the control-plane topics and
wraps every portal's data key (streams.portal_keys). From AICA_SECRET_KEY; the embedded mode
generates one into data_dir/secret.key (0600)."""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet

from streams.settings import Settings


def load_secret_box(settings: Settings) -> Fernet:
    if settings.secret_key:
        return Fernet(settings.secret_key.encode())
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the same stack made it first
            return Fernet(path.read_bytes().strip())
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())
