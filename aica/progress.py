"""Progress on the CLI's long work (tqdm, on stderr, only when it is a terminal: logs and pipes
stay calm). `steps` for work made of named steps, `spinner` for one blocking call."""
from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm


def bar(total: int | None, desc: str, unit: str = "it") -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=None, dynamic_ncols=True)


class Steps:
    """A bar over named steps: `begin("worker")` finishes the step under way and shows the next."""

    def __init__(self, total: int, desc: str) -> None:
        self._bar = tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False,
                         bar_format="{desc} {n}/{total}{postfix} [{elapsed}]")
        self._ticker = _Ticker(self._bar)
        self._under_way = False

    def begin(self, step: str) -> None:
        self._bar.set_postfix_str(step, refresh=not self._under_way)
        if self._under_way:
            self._bar.update(1)
        self._under_way = True

    def close(self) -> None:
        self._ticker.stop()
        self._bar.close()


@contextmanager
def steps(total: int, desc: str) -> Iterator[Steps]:
    progress = Steps(total, desc)
    try:
        yield progress
    finally:
        progress.close()


@contextmanager
def spinner(desc: str) -> Iterator[None]:
    """Elapsed time while one blocking call runs (e.g. the broker starting)."""
    progress = tqdm(total=None, desc=desc, file=sys.stderr, disable=None, leave=False,
                    bar_format="{desc} [{elapsed}]")
    ticker = _Ticker(progress)
    try:
        yield
    finally:
        ticker.stop()
        progress.close()


class _Ticker:
    """Refreshes a bar twice a second so its clock moves while nothing advances it."""

    def __init__(self, progress: tqdm) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(progress,), daemon=True, name="progress")
        if not progress.disable:
            self._thread.start()

    def _run(self, progress: tqdm) -> None:
        while not self._stop.wait(0.5):
            progress.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1)
