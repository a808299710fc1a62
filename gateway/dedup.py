"""In-process, bounded TTL memory of event_ids this gateway has accepted.

It only spares the broker obvious repeats (queue-server double sends, relay retries, replays of a
signed relay post). Across gateway replicas nothing is shared: downstream stages dedup on
event_id / call id, which is the guarantee that matters."""
from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class TtlDedup:
    def __init__(self, ttl_s: float, max_entries: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> expiry, oldest first

    def claim(self, key: str) -> bool:
        """True if `key` is new (and now remembered); False if it was seen within the TTL.
        Claiming before publishing makes two concurrent copies of one event publish once."""
        now = self._clock()
        self._expire(now)
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl_s
        while len(self._seen) > self._max_entries:
            self._seen.popitem(last=False)
        return True

    def release(self, key: str) -> None:
        """Forget a claim whose event was not accepted, so a later copy may try again."""
        self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        # The TTL is constant, so insertion order is expiry order: stop at the first live entry.
        while self._seen:
            key, expires_at = next(iter(self._seen.items()))
            if expires_at > now:
                return
            del self._seen[key]
