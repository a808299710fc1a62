"""Two sandbox portals on one pipeline: one portal's outage, slowness or rate limiting does not
hold the other's CRM writes (both portals share ONE partition here, so only the per-portal lanes
keep them apart), and the failing portal's writes land once it recovers, each exactly once."""
from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from aica.embedded import EmbeddedStack
from aica.worker import ALL_STAGES
from sandbox.state import LeakyBucket
from tests.integration.scored_calls import publish_scores

pytestmark = [pytest.mark.integration]
# Everything but the model stages (not needed: scores are produced directly) and the dashboard.
NON_MODEL_STAGES = ",".join(s for s in ALL_STAGES if s not in ("transcribe", "redact", "analyze", "dashboard"))
CALLS_PER_PORTAL = 6




def written(state) -> Counter:
    return Counter((u["method"].split(".")[1], int(u["id"])) for u in state.updates)


async def wait_written(stack, state, wanted: set, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not wanted <= set(written(state)):
        assert stack.worker_alive(), "the worker exited; see worker.log"
        assert time.monotonic() < deadline, f"missing writes: {sorted(wanted - set(written(state)))[:5]}"
        await asyncio.sleep(0.3)


FAULTS = {
    "outage": ({"outage": True}, {"outage": False}),
    "slow": ({"slow_ms": 5_000}, {"slow_ms": 0}),  # beyond rest_timeout_s
    "rate_limited": ("bucket", None),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_one_portals_failure_does_not_hold_the_other(pipeline_settings, fault):
    settings = pipeline_settings.model_copy(update={"topic_partitions": 1, "rest_timeout_s": 2.0,
                                                    "retry_delays_s": [1.0, 2.0, 3.0]})
    stack = await EmbeddedStack(settings, manage_broker=False, worker_stages=NON_MODEL_STAGES).start()
    try:
        failing, healthy = stack.sandbox_state, await stack.add_sandbox_portal()
        await stack.wait_worker_ready()
        switch_on, switch_off = FAULTS[fault]
        if fault == "rate_limited":  # the portal answers QUERY_LIMIT_EXCEEDED to almost everything
            saved, failing.bucket = failing.bucket, LeakyBucket(burst=1, per_s=0.001, level=1.0,
                                                                updated_at=time.time())
        else:
            for name, value in switch_on.items():
                setattr(failing.faults, name, value)

        failing_wanted = publish_scores(settings, failing, CALLS_PER_PORTAL)
        healthy_wanted = publish_scores(settings, healthy, CALLS_PER_PORTAL)
        await wait_written(stack, healthy, healthy_wanted, timeout_s=60)
        assert not written(failing), "the failing portal was written while failing"

        if fault == "rate_limited":
            failing.bucket = saved
        else:
            for name, value in switch_off.items():
                setattr(failing.faults, name, value)
        await wait_written(stack, failing, failing_wanted, timeout_s=120)
        await asyncio.sleep(2)  # a duplicate would land now
        for state, wanted in ((failing, failing_wanted), (healthy, healthy_wanted)):
            counts = written(state)
            assert set(counts) == wanted and set(counts.values()) == {1}, counts
    finally:
        await stack.stop()
