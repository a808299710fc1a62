"""The gateway's calls to a portal at install (`user.admin`, then setup) take the gateway's side
budget of the portal's rate limit (bitrix.limits): an install costs four requests, and an install
post arriving when the budget is used up is answered 503 with Retry-After before any request."""
from __future__ import annotations

from urllib.parse import urlencode

from bitrix.forms import flatten
from sandbox.apps import install_event_form

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def portal_requests(sandbox) -> list[str]:
    """Requests to the portal's REST endpoint (app.info goes to the OAuth server, another bucket)."""
    return [r["method"] for r in sandbox.requests if r["path"].startswith("/rest/")]


async def post_install(client, sandbox):
    response = await client.post("/b24/install", data=urlencode(flatten(install_event_form(sandbox))),
                                 headers=FORM)
    return response, await response.json()


async def test_an_install_costs_four_requests_and_a_busy_portal_is_answered_503(make_client, settings_factory, sandbox):
    from bitrix.portals import InMemoryPortals
    settings = settings_factory(oauth_server_endpoints=[sandbox.server_endpoint], public_url="https://gw.example",
                                rest_side_burst=4, rest_side_rate_per_s=0.01, rest_side_wait_s=0.05)
    portals = InMemoryPortals()
    client = await make_client(settings=settings, portals=portals)

    response, body = await post_install(client, sandbox)
    assert response.status == 200, body
    assert portal_requests(sandbox) == ["user.admin", "batch", "batch", "batch"]
    stored = portals.get(sandbox.member_id)

    response, body = await post_install(client, sandbox)  # the side budget (4) is used up
    assert (response.status, body["error"]) == (503, "portal_busy")
    assert response.headers["Retry-After"] == "100"
    assert len(portal_requests(sandbox)) == 4 and portals.get(sandbox.member_id) == stored
