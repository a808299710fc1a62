"""Per-key request limits for the posts that make us call a portal (install, placement): a forged
post costs its sender nothing but makes us send requests, so each client address and each
claimed portal gets a leaky bucket (aiolimiter), and a post over it is refused with 429 before
anything is called."""
from __future__ import annotations

from collections import OrderedDict

from aiolimiter import AsyncLimiter

from httpapi.errors import Refused

PERIOD_S = 60.0


class KeyedLimit:
    """At most `per_minute` posts per key in any minute (bursts up to it); the least recently
    seen keys are forgotten beyond `max_keys`, so a flood of made-up keys cannot grow memory."""

    def __init__(self, what: str, per_minute: int, max_keys: int = 10_000) -> None:
        self.what, self.per_minute, self.max_keys = what, per_minute, max_keys
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def _bucket(self, key: str) -> AsyncLimiter:
        bucket = self._buckets.pop(key, None) or AsyncLimiter(self.per_minute, PERIOD_S)
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket

    async def take(self, key: str) -> None:
        """Count one post for `key`, or Refused(429) if its bucket is full (nothing is counted)."""
        bucket = self._bucket(key)
        if not bucket.has_capacity():
            raise RateLimitedPost(self.what, PERIOD_S / self.per_minute)
        await bucket.acquire()  # has capacity: returns at once


class RateLimitedPost(Refused):
    def __init__(self, what: str, retry_after_s: float) -> None:
        super().__init__(429, f"rate_limited_{what}", f"too many posts from this {what}; try again in a minute")
        self.retry_after_s = retry_after_s


class PostLimits:
    """One endpoint's limits: per client address and per portal (member_id)."""

    def __init__(self, per_address_per_minute: int, per_portal_per_minute: int) -> None:
        self.address = KeyedLimit("address", per_address_per_minute)
        self.portal = KeyedLimit("portal", per_portal_per_minute)

    async def take(self, address: str | None, member_id: str) -> None:
        await self.address.take(address or "unknown")
        await self.portal.take(member_id)
