"""Install verification with app.info (against the real sandbox OAuth server) and the in-process
token keeper: generations, uninstall, invalid_grant."""
from __future__ import annotations

import pytest

from bitrix.errors import ReauthRequired
from bitrix.oauth import (AppInfo, InstallRefused, LocalTokens, check_app_info, fetch_app_info,
                          next_installation, parse_app_info, server_endpoint_allowed, token_digest,
                          without_tokens)
from bitrix.portals import InMemoryPortals
from sandbox import SandboxState
from streams.settings import Settings

ALLOWED = ["https://oauth.bitrix.info/rest/", "https://oauth.bitrix24.tech/rest/"]
INFO = AppInfo(client_id="local.aica", member_id="m1", domain="p.bitrix24.com",
               client_endpoint="https://p.bitrix24.com/rest/", user_id=1)


@pytest.fixture
def state(sandbox_portal) -> SandboxState:
    return sandbox_portal


@pytest.fixture
def session(http_session):
    return http_session


@pytest.mark.parametrize("endpoint, allowed", [
    ("https://oauth.bitrix.info/rest/", True), ("https://oauth.bitrix.info/rest", True),
    (" https://oauth.bitrix24.tech/rest/", True), ("https://evil.example/rest/", False),
    ("https://oauth.bitrix.info.evil.example/rest/", False), ("http://oauth.bitrix.info/rest/", False),
    ("https://oauth.bitrix.info/rest/app.info?x=", False)])
def test_only_allowlisted_oauth_servers_are_asked(endpoint, allowed):
    assert server_endpoint_allowed(endpoint, ALLOWED) is allowed


def test_app_info_must_be_ours_and_the_portals():
    check_app_info(INFO, client_id="local.aica", member_id="m1", domain="P.bitrix24.com")
    cases = [({"client_id": "local.other"}, "foreign_app"), ({"member_id": "m2"}, "member_mismatch"),
             ({"domain": "evil.bitrix24.com"}, "domain_mismatch"), ({"client_endpoint": ""}, "no_client_endpoint")]
    for change, code in cases:
        info = AppInfo(**{**INFO.__dict__, **change})
        with pytest.raises(InstallRefused) as caught:
            check_app_info(info, client_id="local.aica", member_id="m1", domain="p.bitrix24.com")
        assert (caught.value.status, caught.value.code) == (403, code)


@pytest.mark.parametrize("body", [None, {"error": "invalid_token"}, {"result": {"client_id": "x"}}, []])
def test_an_answer_without_install_data_means_a_bad_token(body):
    with pytest.raises(InstallRefused) as caught:
        parse_app_info(body)
    assert (caught.value.status, caught.value.code) == (401, "bad_token")


async def test_app_info_from_the_sandbox_oauth_server(state, session):
    info = await fetch_app_info(session, state.server_endpoint, state.current_access_token(), 5)
    assert (info.client_id, info.member_id, info.client_endpoint) == \
        (state.client_id, state.member_id, state.client_endpoint)
    with pytest.raises(InstallRefused) as caught:
        await fetch_app_info(session, state.server_endpoint, "forged-token", 5)
    assert caught.value.code == "bad_token"


async def test_unreachable_oauth_server_is_502(session):
    with pytest.raises(InstallRefused) as caught:
        await fetch_app_info(session, "http://127.0.0.1:9/rest/", "t", 2)
    assert (caught.value.status, caught.value.code) == (502, "oauth_unavailable")


def test_an_installation_is_always_the_newest_generation(state):
    state.base_url = "http://sandbox"
    old = next_installation(state.installation(), None)
    assert old.generation == 0 and old.status == "active"
    from dataclasses import replace
    newer = next_installation(replace(old, access_token="new"), replace(old, generation=7, status="reauth_required"))
    assert (newer.generation, newer.status, newer.access_token) == (8, "active", "new")
    gone = without_tokens(newer)
    assert (gone.status, gone.access_token, gone.refresh_token, gone.generation) == ("uninstalled", "", "", 9)
    assert token_digest("a") != token_digest("b") and len(token_digest("a")) == 64


async def test_local_tokens_refresh_install_and_uninstall(state, session):
    portals = InMemoryPortals()
    keeper = LocalTokens(session, portals, Settings())
    stored = await keeper.install(state.installation())
    assert portals.get(state.member_id) == stored
    state.expire_tokens()
    refreshed = await keeper.refreshed(state.member_id, stored.access_token)
    assert refreshed.generation == stored.generation + 1 and state.refresh_count == 1
    again = await keeper.refreshed(state.member_id, stored.access_token)  # an old failed token
    assert again == refreshed and state.refresh_count == 1
    gone = await keeper.uninstall(state.member_id)
    assert gone is not None and (gone.status, gone.access_token, gone.refresh_token,
                                 gone.application_token) == ("uninstalled", "", "", "")
    with pytest.raises(ReauthRequired):
        await keeper.refreshed(state.member_id, "")
    assert await keeper.uninstall("unknown") is None


async def test_local_tokens_mark_reauth_on_invalid_grant(state, session):
    portals = InMemoryPortals()
    keeper = LocalTokens(session, portals, Settings())
    stored = await keeper.install(state.installation())
    state.revoke_refresh()
    with pytest.raises(ReauthRequired):
        await keeper.refreshed(state.member_id, stored.access_token)
    marked = portals.get(state.member_id)
    assert marked.status == "reauth_required" and marked.generation == stored.generation + 1
