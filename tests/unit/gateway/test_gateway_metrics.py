"""The gateway's /metrics (on its own port) after real requests, and a slow token agent answered as a 503 with a
reason (never a 500)."""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import ClientSession
from prometheus_client import REGISTRY

from bitrix.errors import PortalUnavailable
from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from control.tokens import wait_for
from gateway.app import create_app
from sandbox.apps import install_event_form
from streams.metrics import serve_metrics

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_count_accepted_duplicate_and_refused_events(make_client, documented_event):
    client = await make_client()
    before = {key: sample(name, **labels) for key, (name, labels) in {
        "acked": ("aica_events_accepted_total", {"delivery": "acked"}),
        "duplicate": ("aica_events_accepted_total", {"delivery": "duplicate"}),
        "bad_token": ("aica_events_refused_total", {"reason": "bad_application_token"}),
        "media": ("aica_events_refused_total", {"reason": "unsupported_media_type"})}.items()}
    body = urlencode(flatten(documented_event))
    assert (await client.post("/b24/events", data=body, headers=FORM)).status == 200
    assert (await client.post("/b24/events", data=body, headers=FORM)).status == 200  # the same event again
    forged = {**documented_event, "auth": {**documented_event["auth"], "application_token": "forged"}}
    refused = await client.post("/b24/events", data=urlencode(flatten(forged)), headers=FORM)
    assert refused.status == 401 and (await refused.json())["error"] == "bad_application_token"
    assert (await client.post("/b24/events", data="{}", headers={"Content-Type": "application/json"})).status == 415

    # Not on the public port (the REST metrics name every customer portal): on its own.
    assert (await client.get("/metrics")).status == 404
    metrics = await serve_metrics("127.0.0.1", 0)
    try:
        async with ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{metrics.addresses[0][1]}/metrics") as response:
                assert response.status == 200 and response.content_type == "text/plain"
                text = await response.text()
    finally:
        await metrics.cleanup()
    assert 'aica_events_accepted_total{delivery="acked"}' in text
    assert sample("aica_events_accepted_total", delivery="acked") == before["acked"] + 1
    assert sample("aica_events_accepted_total", delivery="duplicate") == before["duplicate"] + 1
    assert sample("aica_events_refused_total", reason="bad_application_token") == before["bad_token"] + 1
    assert sample("aica_events_refused_total", reason="unsupported_media_type") == before["media"] + 1
    for declared in ("aica_stage_seconds", "aica_consumer_lag", "aica_rest_calls_total",
                     "aica_token_refreshes_total", "aica_clickhouse_insert_seconds", "aica_gateway_spool_bytes"):
        assert f"# TYPE {declared}" in text


class SilentTokenAgent:
    """A token agent that never answers (a worker restarting, its partitions not yet owned)."""

    def __init__(self, portals):
        self.portals = portals

    async def install(self, portal):
        return await wait_for(self.portals, portal.member_id, lambda p: p is not None, timeout_s=0.2)


async def test_a_silent_token_agent_gives_503_with_a_reason_not_500(aiohttp_client, settings_factory,
                                                                    sandbox_portal, publisher):
    portals = InMemoryPortals()
    settings = settings_factory(oauth_server_endpoints=[sandbox_portal.server_endpoint])
    client = await aiohttp_client(create_app(settings, portals, publisher, tokens=SilentTokenAgent(portals)))
    response = await client.post("/b24/install", data=urlencode(dict(flatten(install_event_form(sandbox_portal)))),
                                 headers=FORM)
    body = await response.json()
    assert response.status == 503, body
    assert body["error"] == "token_agent_timeout" and "token store" in body["reason"]
    assert int(response.headers["Retry-After"]) >= 1
    assert portals.get(sandbox_portal.member_id) is None


def test_the_timeout_is_a_portal_unavailable():
    import asyncio
    try:
        asyncio.run(wait_for(InMemoryPortals(), "m", lambda p: p is not None, timeout_s=0.01))
    except PortalUnavailable as exc:
        assert exc.code == "TOKEN_AGENT_TIMEOUT"
    else:
        raise AssertionError("expected PortalUnavailable")
