"""Progress on the CLI's long work (tqdm, on stderr, only when it is a terminal: logs and pipes
stay calm). `steps` for work made of named steps, `spinner` for one blocking call."""
from __future__ import annotations

import sys
import threading
import time
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


PLAIN_EVERY = 1000


class CallRate:
    """A bar with calls/s and ETA on a terminal (tqdm), a plain line every N calls otherwise."""

    def __init__(self, total: int, stream=sys.stderr, name: str = "rescore") -> None:
        self.name, self.total, self.stream, self.done, self.started = name, total, stream, 0, time.monotonic()
        self.bar = None
        if stream.isatty():
            self.bar = tqdm(total=total, unit="call", file=stream, dynamic_ncols=True)

    def update(self, n: int) -> None:
        before, self.done = self.done, self.done + n
        if self.bar is not None:
            self.bar.update(n)
        elif self.done // PLAIN_EVERY > before // PLAIN_EVERY or self.done >= self.total:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            print(f"{self.name}: {self.done}/{self.total} calls, {rate:.0f} calls/s", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
