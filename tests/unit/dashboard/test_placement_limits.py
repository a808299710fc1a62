"""Forged placement posts make the dashboard call the portal four times each: they are limited per
client address and per portal (issue 10, finding 5), answered 429 with the reason, and a limited
post calls nobody."""
from __future__ import annotations

import pytest

from streams.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "var", clickhouse_database="aica_dash",
                    placement_posts_per_portal_per_min=2, placement_posts_per_ip_per_min=4)


async def post(dashboard, form: dict):
    return await dashboard.client.post("/app/placement?LANG=en", data=form)


def portal_calls(portal) -> int:
    return sum(1 for r in portal.state.requests if r["path"].startswith("/rest/"))


async def test_placement_posts_are_limited_per_portal_then_per_address(dashboard, portal_a, portal_b):
    for _ in range(2):
        assert (await post(dashboard, portal_a.placement_form(portal_a.token(), 3))).status == 200
    before = portal_calls(portal_a)
    limited = await post(dashboard, portal_a.placement_form(portal_a.token(), 3))
    assert limited.status == 429 and "rate_limited_portal" in await limited.text()
    assert "Retry-After" in limited.headers and portal_calls(portal_a) == before
    # another portal has its own budget; this address has used up its four (the limited post counts)
    assert (await post(dashboard, portal_b.placement_form(portal_b.token(), 3))).status == 200
    from_here = await post(dashboard, portal_b.placement_form(portal_b.token(), 3))
    assert from_here.status == 429 and "rate_limited_address" in await from_here.text()
