"""OAuth refresh at the URL Portal.oauth_token_url computes: rotation and its errors."""
from __future__ import annotations

from yarl import URL

TOKEN_PATH = "/oauth/oauth/token/"


def _form(state, refresh_token=None, secret=None):
    return {"grant_type": "refresh_token", "client_id": state.client_id,
            "client_secret": secret or state.client_secret,
            "refresh_token": refresh_token or state.refresh_token}


def test_installation_points_refresh_at_the_sandbox(sandbox):
    portal = sandbox.state.installation()
    assert URL(portal.oauth_token_url).path == TOKEN_PATH
    assert portal.client_endpoint == sandbox.state.base_url + "/rest/"


async def test_refresh_rotates_and_old_refresh_token_dies(sandbox):
    state = sandbox.state
    old_refresh = state.refresh_token
    response = await sandbox.http.get(TOKEN_PATH, params=_form(state))
    tokens = await response.json()
    assert response.status == 200
    assert tokens["refresh_token"] != old_refresh and tokens["member_id"] == state.member_id
    assert tokens["expires_in"] == int(state.access_ttl_s)
    assert tokens["server_endpoint"] == state.server_endpoint
    assert state.refresh_count == 1
    status, _ = await sandbox.rest("app.info", auth=tokens["access_token"])
    assert status == 200

    response = await sandbox.http.post(TOKEN_PATH, data=_form(state, refresh_token=old_refresh))
    assert (response.status, (await response.json())["error"]) == (400, "invalid_grant")
    response = await sandbox.http.post(TOKEN_PATH, data=_form(state))  # POST form, current token
    assert response.status == 200 and state.refresh_count == 2


async def test_wrong_client_secret_is_invalid_client(sandbox):
    response = await sandbox.http.post(TOKEN_PATH, data=_form(sandbox.state, secret="guess"))
    assert (response.status, (await response.json())["error"]) == (401, "invalid_client")
    assert sandbox.state.refresh_count == 0


async def test_revoked_refresh_token_fault(sandbox):
    current = sandbox.state.refresh_token
    await sandbox.control("faults", {"revoke_refresh": True})
    response = await sandbox.http.post(TOKEN_PATH, data=_form(sandbox.state, refresh_token=current))
    assert (await response.json())["error"] == "invalid_grant"


async def test_access_tokens_expire_after_ttl(sandbox):
    await sandbox.control("config", {"access_ttl_s": 0})
    token = sandbox.state.issue_access_token()
    status, body = await sandbox.rest("app.info", auth=token)
    assert (status, body["error"]) == (401, "expired_token")
