"""A flood limit on dead letters, like arroyo's DlqLimit (max_invalid_ratio, max_consecutive_count):
when most of a stage's recent input fails permanently, the cause is a bug or a broken dependency,
not bad input, and dead-lettering everything would only move the whole stream into the dead-letter
topic. The stage stops instead, before acking the input that tripped it, so nothing is lost; the
operator fixes the cause and restarts. Unlike arroyo the ratio is over a sliding window of recent
outcomes (not since start) and counted per stage (not per partition)."""
from __future__ import annotations

import logging
from collections import deque

log = logging.getLogger(__name__)


class DeadLetterFlood(Exception):
    """Too much of a stage's recent input failed permanently: stop, ack nothing more."""


class DeadLetterLimit:
    """`max_ratio` of dead letters among the last `window` outcomes (judged once `min_outcomes`
    are in), or `max_consecutive` dead letters in a row; 0 disables either check. Once tripped it
    stays tripped: every later check raises, so no more input is dead-lettered or acked."""

    def __init__(self, stage: str, *, max_ratio: float, window: int, min_outcomes: int,
                 max_consecutive: int) -> None:
        self.stage = stage
        self.max_ratio, self.min_outcomes, self.max_consecutive = max_ratio, min_outcomes, max_consecutive
        self._recent: deque[bool] = deque(maxlen=max(window, 1))  # True = dead-lettered
        self._consecutive = 0
        self.tripped: str | None = None

    @classmethod
    def from_settings(cls, stage: str, settings) -> DeadLetterLimit:
        return cls(stage, max_ratio=settings.dlq_max_ratio, window=settings.dlq_ratio_window,
                   min_outcomes=settings.dlq_ratio_min_outcomes, max_consecutive=settings.dlq_max_consecutive)

    def check(self) -> None:
        """Raise if tripped: call before dead-lettering (or acking) anything more."""
        if self.tripped:
            raise DeadLetterFlood(self.tripped)

    def succeeded(self, n: int = 1) -> None:
        self._recent.extend([False] * n)
        if n:
            self._consecutive = 0

    def dead_lettered(self) -> None:
        """Count one dead letter about to be sent; raises DeadLetterFlood (instead) if it is one
        too many."""
        self.check()
        self._recent.append(True)
        self._consecutive += 1
        failed = sum(self._recent)
        if self.max_consecutive and self._consecutive >= self.max_consecutive:
            self.trip(f"{self._consecutive} consecutive dead letters")
        elif self.max_ratio and len(self._recent) >= self.min_outcomes and failed / len(self._recent) > self.max_ratio:
            self.trip(f"{failed} of the last {len(self._recent)} inputs dead-lettered")

    def trip(self, why: str) -> None:
        self.tripped = (f"stage {self.stage} stopped: {why} (flood limit: ratio {self.max_ratio} over "
                        f"{self._recent.maxlen}, or {self.max_consecutive} in a row); fix the cause and restart")
        log.critical("%s", self.tripped)
        raise DeadLetterFlood(self.tripped)
