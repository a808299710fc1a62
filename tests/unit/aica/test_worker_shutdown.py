"""A worker told to stop exits within its grace period even when the clean stop hangs (e.g. its
consumer waiting minutes on a broker that is gone)."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

HANGING_STOP = """
import time
from aica.worker import exit_after
exit_after(0.5, "test: clean stop took too long")
time.sleep(60)  # a clean stop that never finishes
"""


def test_a_hanging_stop_is_cut_short_after_the_grace_period():
    # No clock: had the deadline not fired, the 60 s sleep would end and the process exit 0.
    done = subprocess.run([sys.executable, "-c", HANGING_STOP], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1
    assert "clean stop took too long; exiting now" in done.stderr


def test_the_worker_arms_the_deadline_when_a_signal_schedules_its_stop(monkeypatch):
    import signal

    import faust

    from aica import worker
    armed = []
    monkeypatch.setattr(worker, "exit_after", lambda grace_s, why: armed.append((grace_s, why)))
    monkeypatch.setattr(faust.Worker, "_schedule_shutdown", lambda self, sig: None)
    bounded = worker.BoundedWorker.__new__(worker.BoundedWorker)
    bounded.grace_s, bounded._signal_stop_time = 7.0, None
    bounded._schedule_shutdown(signal.SIGTERM)
    assert armed == [(7.0, "SIGTERM: clean stop took over 7s")]
