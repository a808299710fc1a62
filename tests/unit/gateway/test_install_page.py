"""The install handler opened in the portal's frame answers a page that finishes the install
(BX24.installFinish from the BX24 SDK), says what was set up and what to do next, under a tight
CSP that lets only the installing portal frame it; the background callback still gets JSON."""
from __future__ import annotations

import re
from urllib.parse import urlencode


from bitrix.forms import flatten
from sandbox.apps import install_event_form, install_frame_form
from sandbox.frames import add_user

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def open_install(client, form: dict, query: dict):
    return await client.post(f"/b24/install?{urlencode(query)}", data=urlencode(flatten(form)), headers=FORM)


def csp_of(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";")) if part}


async def test_the_frame_install_answers_a_page_that_finishes_the_install(install_gateway, sandbox):
    client, portals = install_gateway
    response = await open_install(client, *install_frame_form(sandbox))
    page = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert portals.get(sandbox.member_id).status == "active"
    # Finishes the install with the SDK from Bitrix24's host, in a nonce'd inline script.
    assert '<script src="https://api.bitrix24.com/api/v1/"></script>' in page
    nonce = re.search(r'<script nonce="([^"]+)">BX24\.init\(function\(\)\{BX24\.installFinish\(\);', page).group(1)
    csp = csp_of(response)
    assert csp["script-src"] == f"https://api.bitrix24.com/api/v1/ 'nonce-{nonce}'"
    assert csp["default-src"] == "'none'" and "unsafe-inline" not in response.headers["Content-Security-Policy"]
    # Framed by the installing portal only (its stored endpoint's origin), so no X-Frame-Options.
    assert csp["frame-ancestors"] == sandbox.base_url and "X-Frame-Options" not in response.headers
    # What was set up, and what to do next.
    for shown in ("ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE", "ONAPPUNINSTALL", "the deal card",
                  "the contact card", "UF_CRM_AICA_QUALITY", "map each telephony line to a project"):
        assert shown in page, shown


async def test_a_refused_frame_install_explains_and_does_not_finish(install_gateway, sandbox):
    client, portals = install_gateway
    agent = add_user(sandbox, "Agent", admin=False)
    response = await open_install(client, *install_frame_form(sandbox, user_id=agent))
    page = await response.text()
    assert response.status == 403 and response.content_type == "text/html"
    assert "installFinish" not in page and "api.bitrix24.com/api/v1/\"></script>" not in page
    assert "only a portal administrator may install" in page
    assert portals.get(sandbox.member_id) is None


async def test_the_background_callback_still_gets_json(install_gateway, sandbox):
    client, _ = install_gateway
    response = await client.post("/b24/install", data=urlencode(flatten(install_event_form(sandbox))), headers=FORM)
    assert response.status == 200 and response.content_type == "application/json"
    body = await response.json()
    assert body["status"] == "installed" and "ONCRMACTIVITYADD" in str(body["setup"])
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_opening_an_installed_app_again_finishes_without_listing_setup(install_gateway, sandbox):
    client, portals = install_gateway
    assert (await open_install(client, *install_frame_form(sandbox))).status == 200
    stored = portals.get(sandbox.member_id)
    response = await open_install(client, *install_frame_form(sandbox))  # an admin opens it later
    page = await response.text()
    assert response.status == 200 and "BX24.installFinish()" in page
    assert "set up when it was installed" in page and 'id="events"' not in page
    assert portals.get(sandbox.member_id) == stored  # its working tokens are kept
