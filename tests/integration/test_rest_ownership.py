"""Two workers, two portals (issue 10, rate limits): each portal's REST calls are made by the worker
owning its partition, on the owner budget (bitrix.limits, streams.partitioning.OwnedPortals, asked
of the real Faust assignment); the other worker never calls it."""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from aica.embedded import EmbeddedStack
from aica.worker import ALL_STAGES
from streams.partitioning import partition_for
from streams.topics import Topic
from tests.integration.scored_calls import publish_scores
from tests.integration.test_rate_and_reconcile import wait_for_members

pytestmark = [pytest.mark.integration]
NON_MODEL_STAGES = ",".join(s for s in ALL_STAGES if s not in ("transcribe", "redact", "analyze", "dashboard"))


def budgets_logged(log: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for member_id, budget in re.findall(r"REST budget for portal (\S+): (owner|side)", log.read_text()):
        found.setdefault(member_id, set()).add(budget)
    return found


async def test_each_portal_is_called_by_its_owner_on_the_owner_budget(pipeline_settings):
    settings = pipeline_settings
    stack = await EmbeddedStack(settings, manage_broker=False, worker_stages=NON_MODEL_STAGES).start()
    try:
        portals = [stack.sandbox_state, await stack.add_sandbox_portal()]
        second = stack.start_extra_worker("worker2")
        members = await wait_for_members(settings, 2)
        wanted = {p.member_id: publish_scores(settings, p, 3, first_activity=20_000) for p in portals}
        deadline = time.monotonic() + 180
        while not all(w <= {(u["method"].split(".")[1], int(u["id"])) for u in p.updates}
                      for p, w in zip(portals, wanted.values())):
            assert stack.worker_alive() and second.poll() is None, "a worker exited; see worker.log"
            assert time.monotonic() < deadline, "the writes did not land in time"
            await asyncio.sleep(1)

        logs = [Path(settings.data_dir) / "worker.log", Path(settings.data_dir) / "worker2" / "worker.log"]
        logged = [budgets_logged(log) for log in logs]
        events = settings.topic(Topic.EVENTS)
        for portal in portals:
            partition = partition_for(portal.member_id.encode(), settings.topic_partitions)
            owners = [i for i, member in enumerate(members) if partition in member.get(events, set())]
            assert len(owners) == 1, members
            # The broker's member order need not match ours: the owner is whichever logged it.
            said = [found.get(portal.member_id, set()) for found in logged]
            assert sorted(said, key=len) == [set(), {"owner"}], (portal.member_id, said)
    finally:
        await stack.stop()
