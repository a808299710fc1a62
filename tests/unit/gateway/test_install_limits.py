"""Forged install posts make the gateway call the OAuth server and the portal: they are limited per
client address and per portal (issue 10, finding 5), answered 429 with the reason, and a limited
post calls nobody."""
from __future__ import annotations

from urllib.parse import urlencode

from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from sandbox.apps import install_event_form

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def outbound(sandbox) -> int:
    return sum(1 for r in sandbox.requests if r["path"].startswith(("/rest/", "/oauth/")))


async def test_install_posts_are_limited_per_portal_then_per_address(make_client, settings_factory, sandbox_portal):
    sandbox = sandbox_portal
    settings = settings_factory(oauth_server_endpoints=[sandbox.server_endpoint], public_url="https://gw.example",
                                install_posts_per_portal_per_min=2, install_posts_per_ip_per_min=4)
    client = await make_client(settings=settings, portals=InMemoryPortals())

    async def post(form):
        response = await client.post("/b24/install", data=urlencode(flatten(form)), headers=FORM)
        return response.status, await response.json(), response.headers

    for _ in range(2):
        assert (await post(install_event_form(sandbox)))[0] == 200
    before = outbound(sandbox)
    status, body, headers = await post(install_event_form(sandbox))
    assert (status, body["error"]) == (429, "rate_limited_portal") and body["reason"] and "Retry-After" in headers
    assert outbound(sandbox) == before
    other = install_event_form(sandbox)
    other["auth"]["member_id"] = "f" * 32  # another portal (refused by app.info, but it was asked)
    assert (await post(other))[1]["error"] == "member_mismatch"
    status, body, _ = await post(other)
    assert (status, body["error"]) == (429, "rate_limited_address")
    # and an ONAPPINSTALL at /b24/events counts the same
    response = await client.post("/b24/events", data=urlencode(flatten(install_event_form(sandbox))), headers=FORM)
    assert response.status == 429


async def test_behind_the_proxy_the_limit_is_per_client_address(make_client, settings_factory, sandbox_portal):
    """One public origin: every post reaches the gateway from the TLS proxy. With AICA_FORWARDED_HOPS=1
    the client is the proxy's X-Forwarded-For entry, so one office's posts do not block another's;
    without it every post counts against the proxy's own address."""
    sandbox = sandbox_portal

    async def statuses(hops: int) -> list[int]:
        settings = settings_factory(oauth_server_endpoints=[sandbox.server_endpoint], public_url="https://gw.example",
                                    install_posts_per_ip_per_min=1, install_posts_per_portal_per_min=100,
                                    forwarded_hops=hops)
        client = await make_client(settings=settings, portals=InMemoryPortals())
        got = []
        for n in range(3):
            form = install_event_form(sandbox) | {"auth": {**install_event_form(sandbox)["auth"],
                                                           "member_id": f"m{hops}{n}"}}
            response = await client.post("/b24/install", data=urlencode(flatten(form)),
                                         headers=FORM | {"X-Forwarded-For": f"203.0.113.{n + 1}",
                                                         "X-Forwarded-Proto": "https"})
            got.append(response.status)
        return got

    assert await statuses(0) == [403, 429, 429]  # member_mismatch first, then the proxy's address is spent
    assert await statuses(1) == [403, 403, 403]  # each client address has its own allowance
