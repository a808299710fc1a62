"""bitrix.limits: one limiter per portal per process, the owner budget for the worker owning the
portal and a side budget for every other process, sized to fit the portal's bucket together; and
a RestClient and a placement check of one process drawing on the same bucket."""
from __future__ import annotations

import faust
import pytest
from faust.assignor.client_assignment import ClientAssignment

from bitrix.client import RestClient
from bitrix.limits import LocalRateLimited, PortalLimits, overcommit
from bitrix.portals import InMemoryPortals
from dashboard.placement import PlacementPost, PortalAccess, verify_placement
from httpapi.errors import Busy
from sandbox.calls import CallSpec, create_call
from streams.partitioning import OwnedPortals, partition_for
from streams.settings import Settings
from streams.topics import Topic


def test_the_default_budgets_fit_the_portals_bucket():
    assert overcommit(Settings()) is None
    assert "bursts" in overcommit(Settings(rest_side_burst=14))  # 20 + 2 x 14 > 46
    assert "rates" in overcommit(Settings(rest_side_rate_per_s=0.5))  # 1.2 + 2 x 0.5 > 2/s
    assert overcommit(Settings(rest_portal_burst=250, rest_portal_rate_per_s=5.0, rest_burst=200,
                               rest_rate_per_s=4.0, rest_side_burst=20, rest_side_rate_per_s=0.5)) is None


def test_the_owner_draws_on_the_main_budget_and_everyone_else_on_the_side_budget():
    owned = {"own"}
    limits = PortalLimits(Settings(), owns=lambda member_id: member_id in owned)
    assert limits.limiter("own").max_rate == 20 and limits.limiter("other").max_rate == 13
    assert limits.limiter("own") is limits.limiter("own")  # one bucket per portal, not per call
    owned.clear()  # a rebalance moved the portal away: from now on its calls take the side budget
    assert limits.limiter("own").max_rate == 13
    assert PortalLimits(Settings()).limiter("any").max_rate == 20  # a process on its own owns all
    assert PortalLimits.side_only(Settings()).limiter("any").max_rate == 13


async def test_a_caller_that_cannot_wait_is_refused_without_taking_room():
    limits = PortalLimits.side_only(Settings(rest_side_burst=2, rest_side_rate_per_s=0.01))
    for _ in range(2):
        await limits.acquire("m1", wait_s=0.05)
    with pytest.raises(LocalRateLimited) as refused:
        await limits.acquire("m1", wait_s=0.05)
    assert refused.value.retry_after_s == pytest.approx(100.0)
    assert not limits.limiter("m1").has_capacity()
    await limits.acquire("m2", wait_s=0.05)  # another portal's bucket is its own


def test_a_worker_owns_the_portals_whose_partition_it_was_assigned():
    settings = Settings(topic_prefix="t.", topic_partitions=4)
    app = faust.App("limits-test", broker="kafka://127.0.0.1:1")
    mine = next(m for m in (f"m{i}" for i in range(50)) if partition_for(m.encode(), 4) == 1)
    theirs = next(m for m in (f"m{i}" for i in range(50)) if partition_for(m.encode(), 4) == 2)
    owns = OwnedPortals(app, settings)
    assert not owns(mine)  # nothing assigned yet: every call on the side budget
    app.assignor._assignment = ClientAssignment(actives={settings.topic(Topic.EVENTS): [1],
                                                         settings.topic(Topic.SCORED): [1]}, standbys={})
    assert owns(mine) and not owns(theirs)


async def test_the_rest_client_and_the_placement_check_of_a_process_share_one_bucket(sandbox_portal, http_session):
    """The CRM sink's calls use up a non-owner process's side budget for the portal: the card tab
    opened in that process is answered 503 (Retry-After) without a request to the portal."""
    state = sandbox_portal
    settings = Settings(rest_side_burst=3, rest_side_rate_per_s=0.01, rest_side_wait_s=0.05,
                        app_client_id=state.client_id)
    limits = PortalLimits.side_only(settings)
    portals = InMemoryPortals(state.installation())
    rest = RestClient(http_session, portals, settings, limits=limits)
    activity_id, _ = create_call(state, CallSpec())
    for _ in range(3):
        await rest.call(state.member_id, "crm.activity.get", {"id": activity_id})
    sent = len(state.requests)
    post = PlacementPost(state.member_id, state.issue_access_token(), "deal", 1, "en", None)
    with pytest.raises(Busy) as busy:
        await verify_placement(PortalAccess.of(http_session, settings, limits), portals.get(state.member_id),
                               post, state.client_id, 0.0)
    assert busy.value.status == 503 and busy.value.retry_after_s == pytest.approx(100.0)
    assert len(state.requests) == sent
