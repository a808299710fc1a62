"""What `aica run` shows a new user: the sandbox portal's home page with a few deals and the sample
calls ready to place (rendered once with espeak-ng and sox, then cached), and the link to it."""
from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def sample_recordings(audio_dir: Path) -> dict[str, dict[str, Any]]:
    """id -> {title, path, line, direction} of every sample that renders (a missing espeak-ng or
    sox leaves the upload as the only way to place a call)."""
    from aica.samples import load_samples, render_sample
    offered: dict[str, dict[str, Any]] = {}
    for sample in load_samples():
        try:
            path = render_sample(sample, audio_dir)
        except (OSError, subprocess.CalledProcessError) as exc:
            log.warning("sample %s not rendered (%s); upload a recording instead", sample.id, type(exc).__name__)
            continue
        offered[sample.id] = {"title": sample.title, "path": str(path.resolve()), "line": sample.line,
                              "direction": sample.direction}
    return offered


async def prepare_sandbox_home(stack: Any) -> str:
    """Seed the sandbox CRM, offer the samples; returns the home page's URL."""
    from sandbox.home import seed_crm
    seed_crm(stack.sandbox_state)
    stack.sandbox_state.samples = await asyncio.to_thread(sample_recordings,
                                                          Path(stack.settings.data_dir) / "samples")
    return f"{stack.sandbox_url}/"
