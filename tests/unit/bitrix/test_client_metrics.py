"""REST calls per portal on /metrics: ok, the portal's 503 (QUERY_LIMIT_EXCEEDED) counted as such,
and token refreshes, against the real sandbox portal."""
from __future__ import annotations

from dataclasses import replace

import pytest
from prometheus_client import REGISTRY

from bitrix.client import RateLimited, RestClient
from bitrix.portals import InMemoryPortals
from streams.settings import Settings


def count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_rest_calls_503s_and_refreshes_are_counted_per_portal(sandbox_portal, http_session):
    state = sandbox_portal
    portal = state.member_id
    settings = Settings(rest_burst=500, rest_rate_per_s=1000.0, app_client_id=state.client_id,
                        app_client_secret=state.client_secret)
    client = RestClient(http_session, InMemoryPortals(state.installation()), settings,
                        rate_limit_retries=1, backoff_s=0.01)
    ok, limited = count("aica_rest_calls_total", portal=portal, outcome="ok"), \
        count("aica_rest_calls_total", portal=portal, outcome="503")
    expired = count("aica_rest_calls_total", portal=portal, outcome="token_expired")
    refreshed = count("aica_token_refreshes_total", outcome="ok")

    state.expire_tokens()
    await client.call(portal, "app.info")  # expired -> one refresh -> ok
    state.bucket = replace(state.bucket, burst=1, per_s=0.001)  # already spent by the calls above
    with pytest.raises(RateLimited):
        await client.call(portal, "app.info")  # 503 QUERY_LIMIT_EXCEEDED, retried once, then given up

    assert count("aica_rest_calls_total", portal=portal, outcome="ok") == ok + 1
    assert count("aica_rest_calls_total", portal=portal, outcome="token_expired") == expired + 1
    assert count("aica_rest_calls_total", portal=portal, outcome="503") == limited + 2
    assert count("aica_token_refreshes_total", outcome="ok") == refreshed + 1
