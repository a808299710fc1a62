"""One rate limiter per portal per process, taken by every REST call to a portal (docs/bitrix24-api.md
§6.1; docs/faults-and-load.md "Rate limits").

Bitrix24 limits a portal per source IP with a leaky bucket (50 deep, 2/s drain): every process
behind one egress IP shares it. A process passes the same `PortalLimits` to everything in it
that calls a portal (`bitrix.client.RestClient`, the dashboard's placement check, the gateway's
install check), so nothing bypasses its bucket. Across processes the portal's bucket is split
statically: the worker that owns the portal's partition (`streams.partitioning`) draws on the
owner budget, every other process (gateway, a dashboard in a non-owner worker) on a small side
budget. If every bucket keeps its envelope (at most `burst + rate * t` requests in any t
seconds), the portal's bucket stays under `owner.burst + n * side.burst` whenever
`owner.rate + n * side.rate <= 2/s`: `overcommit` checks that for the settings."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

from bitrix.errors import RateLimited
from streams.settings import Settings

log = logging.getLogger(__name__)
Owns = Callable[[str], bool]  # member_id -> does this process own the portal's REST traffic now


@dataclass(frozen=True)
class Budget:
    """A leaky bucket: `burst` deep, draining `per_s`."""
    burst: int
    per_s: float

    def limiter(self) -> AsyncLimiter:
        return AsyncLimiter(self.burst, self.burst / self.per_s)


def owner_budget(settings: Settings) -> Budget:
    return Budget(settings.rest_burst, settings.rest_rate_per_s)


def side_budget(settings: Settings) -> Budget:
    return Budget(settings.rest_side_burst, settings.rest_side_rate_per_s)


def overcommit(settings: Settings) -> str | None:
    """Why the owner and `rest_side_processes` side budgets together could overflow the portal's
    bucket (less `rest_arrival_margin` for requests that arrive bunched), or None if they fit."""
    owner, side, n = owner_budget(settings), side_budget(settings), settings.rest_side_processes
    depth = owner.burst + n * side.burst
    rate = owner.per_s + n * side.per_s
    room = settings.rest_portal_burst - settings.rest_arrival_margin
    if depth > room:
        return f"owner + {n} side bursts = {depth} > {room} (portal burst less margin)"
    if rate > settings.rest_portal_rate_per_s + 1e-9:
        return f"owner + {n} side rates = {rate:g}/s > {settings.rest_portal_rate_per_s:g}/s"
    return None


class LocalRateLimited(RateLimited):
    """Our own bucket for the portal stayed full for longer than the caller could wait; no request
    was sent. Transient: retry after `retry_after_s`."""


class PortalLimits:
    """The process's limiters, one per (portal, budget). `owns`: whether this process owns a
    portal now (None: it owns every portal, as a single process or a test does); ownership may
    change with a rebalance, so it is asked on every acquire."""

    def __init__(self, settings: Settings, owns: Owns | None = None) -> None:
        self.owner, self.side = owner_budget(settings), side_budget(settings)
        self._owns = owns
        self._limiters: dict[tuple[str, bool], AsyncLimiter] = {}
        problem = overcommit(settings)
        if problem:
            log.warning("REST budgets may overflow a portal's rate limit: %s", problem)

    @classmethod
    def side_only(cls, settings: Settings) -> PortalLimits:
        """A process that owns no portal's traffic (the gateway)."""
        return cls(settings, owns=lambda _member_id: False)

    def owns(self, member_id: str) -> bool:
        return self._owns is None or bool(self._owns(member_id))

    def limiter(self, member_id: str) -> AsyncLimiter:
        key = (member_id, self.owns(member_id))
        limiter = self._limiters.get(key)
        if limiter is None:
            budget = self.owner if key[1] else self.side
            limiter = self._limiters[key] = budget.limiter()
            log.info("REST budget for portal %s: %s (%d deep, %g/s)", member_id,
                     "owner" if key[1] else "side", budget.burst, budget.per_s)
        return limiter

    async def acquire(self, member_id: str, wait_s: float | None = None) -> None:
        """Room for one request to the portal; waits as long as it takes, or at most `wait_s`
        (then LocalRateLimited, and nothing is taken)."""
        limiter = self.limiter(member_id)
        if wait_s is None:
            await limiter.acquire()
            return
        try:
            await asyncio.wait_for(limiter.acquire(), wait_s)
        except TimeoutError:
            budget = self.owner if self.owns(member_id) else self.side
            raise LocalRateLimited("LOCAL_RATE_LIMIT", "this process's share of the portal's rate "
                                   "limit is used up", 503, retry_after_s=1 / budget.per_s) from None
