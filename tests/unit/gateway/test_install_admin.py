"""Install takeover (issue 10, finding 1): only a portal administrator, as `user.admin` on the
portal says, may install, reinstall or re-authorise the app. A non-admin's post changes nothing."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import pytest

from bitrix.forms import flatten
from install_outcome import install_answer
from sandbox.apps import install_event_form, install_frame_form
from sandbox.frames import add_user

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def post(client, form: dict, query: dict | None = None, path: str = "/b24/install"):
    url = path + (f"?{urlencode(query)}" if query else "")
    response = await client.post(url, data=urlencode(flatten(form)), headers=FORM)
    return response.status, await install_answer(response)


@pytest.mark.parametrize("path", ["/b24/install", "/b24/events"])
async def test_a_non_admin_cannot_install_a_new_portal(install_gateway, sandbox, path):
    client, portals = install_gateway
    agent = add_user(sandbox, "Agent", admin=False)
    status, body = await post(client, install_event_form(sandbox, user_id=agent), path=path)
    assert (status, body["error"]) == (403, "admin_required") and body["reason"]
    assert portals.get(sandbox.member_id) is None and sandbox.event_bindings == []


async def test_a_non_admin_cannot_take_over_an_active_portal(install_gateway, sandbox):
    client, portals = install_gateway
    assert (await post(client, install_event_form(sandbox)))[0] == 200
    before = portals.get(sandbox.member_id)
    agent = add_user(sandbox, "Agent", admin=False)
    forged = install_event_form(sandbox, user_id=agent)
    forged["auth"]["application_token"] = "f" * 32
    status, body = await post(client, forged)
    assert (status, body["error"]) == (403, "admin_required")
    status, body = await post(client, install_event_form(sandbox, "ONAPPUPDATE", user_id=agent), path="/b24/events")
    assert (status, body["error"]) == (403, "admin_required")
    assert portals.get(sandbox.member_id) == before


async def test_a_non_admin_cannot_reauthorize_a_portal(install_gateway, sandbox):
    client, portals = install_gateway
    await post(client, install_event_form(sandbox))
    stored = portals.get(sandbox.member_id)
    waiting = replace(stored, status="reauth_required", generation=stored.generation + 1)
    await portals.put(waiting)
    agent = add_user(sandbox, "Agent", admin=False)
    status, body = await post(client, *install_frame_form(sandbox, user_id=agent))
    assert (status, body["error"]) == (403, "admin_required")
    assert portals.get(sandbox.member_id) == waiting
    status, body = await post(client, *install_frame_form(sandbox))  # the admin may
    assert status == 200 and portals.get(sandbox.member_id).status == "active"


async def test_an_admin_reinstall_replaces_the_application_token_and_records_the_time(install_gateway, sandbox):
    client, portals = install_gateway
    await post(client, install_event_form(sandbox))
    first = portals.get(sandbox.member_id)
    assert first.installed_at > 0
    sandbox.application_token = "1" * 32  # a reinstall brings a new one
    status, body = await post(client, install_event_form(sandbox))
    assert status == 200 and body["status"] == "installed"
    again = portals.get(sandbox.member_id)
    assert again.application_token == "1" * 32 and again.installed_at >= first.installed_at
    assert again.generation > first.generation


async def test_an_update_may_not_bring_another_application_token(install_gateway, sandbox):
    client, portals = install_gateway
    await post(client, install_event_form(sandbox))
    form = install_event_form(sandbox, "ONAPPUPDATE")
    form["auth"]["application_token"] = "2" * 32
    status, body = await post(client, form)
    assert (status, body["error"]) == (403, "application_token_mismatch")
    assert portals.get(sandbox.member_id).application_token == sandbox.application_token


async def test_the_admin_check_asks_the_stored_endpoint_of_a_known_portal(install_gateway, sandbox, closed_port):
    client, portals = install_gateway
    await post(client, install_event_form(sandbox))
    stored = portals.get(sandbox.member_id)
    # app.info would name the sandbox, but a known portal is asked where it was installed.
    moved = replace(stored, client_endpoint=f"http://127.0.0.1:{closed_port}/rest/")
    await portals.put(moved)
    status, body = await post(client, install_event_form(sandbox))
    assert (status, body["error"]) == (502, "portal_unavailable")
    assert portals.get(sandbox.member_id) == moved
