"""`POST /b24/install` and lifecycle events on a real gateway, verified against a real sandbox
portal's OAuth server: what is stored, what is set up, and every forged post refused."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import pytest

from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from install_outcome import install_answer
from gateway.install import InstallPost, chosen_application_token, parse_install_post, replaces_tokens
from httpapi.errors import Refused
from sandbox import SandboxState
from sandbox.apps import install_event_form, install_frame_form, uninstall_form
from schemas import registry

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def gateway(make_client, settings_factory, sandbox):
    portals = InMemoryPortals()

    async def make(**overrides):
        settings = settings_factory(oauth_server_endpoints=[sandbox.server_endpoint],
                                    public_url="https://gw.example", **overrides)
        return await make_client(settings=settings, portals=portals), portals
    return make


async def post(client, form: dict, query: dict | None = None, override: dict | None = None,
               path: str = "/b24/install"):
    pairs = dict(flatten(form)) | (override or {})
    url = path + (f"?{urlencode(query)}" if query else "")
    response = await client.post(url, data=urlencode(pairs), headers=FORM)
    return response.status, await install_answer(response)


async def test_background_install_is_verified_stored_and_set_up(gateway, sandbox):
    client, portals = await gateway()
    status, body = await post(client, install_event_form(sandbox))
    assert status == 200, body
    portal = portals.get(sandbox.member_id)
    assert portal.status == "active" and portal.application_token == sandbox.application_token
    assert portal.client_endpoint == sandbox.client_endpoint and portal.refresh_token == sandbox.refresh_token
    assert {b["event"] for b in sandbox.event_bindings} == {"ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE",
                                                           "ONAPPUNINSTALL"}
    assert {p["handler"] for p in sandbox.placements} == {"https://gw.example/app/placement"}
    assert {f["FIELD_NAME"] for f in sandbox.userfields["CRM_DEAL"].values()} >= {"UF_CRM_AICA_QUALITY"}
    status, again = await post(client, install_event_form(sandbox, "ONAPPUPDATE"))
    assert status == 200 and again["generation"] == body["generation"] + 1
    assert len(again["setup"]["already_bound"]) == 5


async def test_install_event_at_the_events_endpoint_takes_the_same_path(gateway, sandbox, publisher):
    client, portals = await gateway()
    status, body = await post(client, install_event_form(sandbox), path="/b24/events")
    assert status == 200 and body["status"] == "installed"
    assert portals.get(sandbox.member_id) is not None and publisher.sent == []


@pytest.mark.parametrize("override, status, code", [
    ({"auth[access_token]": "forged"}, 401, "bad_token"),
    ({"auth[member_id]": "f" * 32}, 403, "member_mismatch"),
    ({"auth[domain]": "evil.bitrix24.com"}, 403, "domain_mismatch"),
    ({"auth[server_endpoint]": "https://evil.example/rest/"}, 403, "server_endpoint_not_allowed"),
    ({"auth[refresh_token]": ""}, 400, "missing_field"),
    ({"event": "ONCRMACTIVITYADD"}, 400, "unsupported_event"),
])
async def test_forged_install_posts_are_refused_and_nothing_stored(gateway, sandbox, override, status, code):
    client, portals = await gateway()
    got, body = await post(client, install_event_form(sandbox), override=override)
    assert (got, body["error"]) == (status, code) and body["reason"]
    assert portals.get(sandbox.member_id) is None and portals.get("f" * 32) is None
    assert sandbox.event_bindings == []


async def test_a_token_of_another_app_is_refused(gateway, sandbox):
    client, portals = await gateway(app_client_id="local.someone-else")
    status, body = await post(client, install_event_form(sandbox))
    assert (status, body["error"]) == (403, "foreign_app") and portals.get(sandbox.member_id) is None


async def test_frame_post_reauthorizes_a_portal_and_keeps_its_application_token(gateway, sandbox):
    client, portals = await gateway()
    assert (await post(client, install_event_form(sandbox)))[0] == 200
    stored = portals.get(sandbox.member_id)
    await portals.put(replace(stored, status="reauth_required", generation=stored.generation + 1))
    form, query = install_frame_form(sandbox)
    status, body = await post(client, form, query)
    assert status == 200 and body["status"] == "installed", body
    fresh = portals.get(sandbox.member_id)
    assert fresh.status == "active" and fresh.access_token == form["AUTH_ID"]
    assert fresh.application_token == stored.application_token
    # An active portal's tokens are not replaced by whoever opens the app next.
    status, body = await post(client, *install_frame_form(sandbox))
    assert (status, body["status"]) == (200, "verified")
    assert portals.get(sandbox.member_id).access_token == form["AUTH_ID"]


async def test_frame_post_with_another_application_token_is_refused(gateway, sandbox):
    client, portals = await gateway()
    await post(client, install_event_form(sandbox))
    form, query = install_frame_form(sandbox)
    status, body = await post(client, form | {"APPLICATION_TOKEN": "0" * 32}, query)
    assert (status, body["error"]) == (403, "application_token_mismatch")


async def test_uninstall_is_published_with_clean_and_a_wrong_token_refused(gateway, sandbox, publisher):
    client, _ = await gateway()
    await post(client, install_event_form(sandbox))
    status, body = await post(client, uninstall_form(sandbox, clean=True),
                              override={"auth[application_token]": "0" * 32}, path="/b24/events")
    assert (status, body["error"]) == (401, "bad_application_token") and publisher.sent == []
    status, body = await post(client, uninstall_form(sandbox, clean=True), path="/b24/events")
    assert status == 200 and body["status"] == "accepted"
    [(_, key, value)] = publisher.sent
    record = registry.decode("aica.CrmWebhookEvent", value)
    assert key == sandbox.member_id.encode()
    assert (record["event"], record["entity_id"], record["clean"]) == ("ONAPPUNINSTALL", "0", True)


def test_frame_and_background_forms_parse_to_one_claim():
    state = SandboxState(base_url="http://p.example")
    event = parse_install_post(install_event_form(state), {})
    form, query = install_frame_form(state)
    frame = parse_install_post(form, query)
    assert (event.event, frame.event) == ("ONAPPINSTALL", "FRAME")
    assert event.member_id == frame.member_id and frame.domain == "p.example"
    assert "token" not in repr(frame).lower().replace("application_token", "")
    with pytest.raises(Refused):
        parse_install_post(form, {})  # the frame's DOMAIN comes in the query


def test_who_may_replace_tokens():
    post = InstallPost("FRAME", "m", "d", "s", "a", "r", 3600, "")
    state = SandboxState(base_url="http://p.example")
    active = state.installation()
    assert replaces_tokens(post, None) and not replaces_tokens(post, active)
    assert replaces_tokens(post, replace(active, status="reauth_required"))
    assert replaces_tokens(replace(post, event="ONAPPINSTALL"), active)
    assert chosen_application_token(post, active) == active.application_token
    assert chosen_application_token(replace(post, event="ONAPPINSTALL", application_token="new"), active) == "new"


async def test_reinstall_after_uninstall_takes_the_new_application_token(gateway, sandbox):
    from bitrix.oauth import without_tokens
    client, portals = await gateway()
    await post(client, install_event_form(sandbox))
    await portals.put(without_tokens(portals.get(sandbox.member_id)))
    sandbox.application_token = "1" * 32  # a reinstall may bring a new one
    form, query = install_frame_form(sandbox)
    status, body = await post(client, form, query)
    assert status == 200 and body["status"] == "installed"
    reinstalled = portals.get(sandbox.member_id)
    assert (reinstalled.status, reinstalled.application_token) == ("active", "1" * 32)
