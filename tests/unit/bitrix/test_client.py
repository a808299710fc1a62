"""RestClient against the real sandbox portal on 127.0.0.1: calls, paging, batch, token refresh,
rate limits, downloads; plus the pure helpers (error mapping, URL checks, batch encoding)."""
from __future__ import annotations

import asyncio
import hashlib
import os
import socket
from dataclasses import replace
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from bitrix.client import (AccessDenied, BitrixError, ForeignUrl, NotFound, PortalUnavailable,
                           RateLimited, ReauthRequired, RestClient, TokenExpired, TooLarge,
                           batch_command, classify, same_portal_url, with_auth)
from bitrix.forms import unflatten
from bitrix.portals import InMemoryPortals
from sandbox import SandboxState
from sandbox.calls import CallSpec, attach_recording, create_call
from streams.settings import Settings


@pytest.fixture
def state(sandbox_portal) -> SandboxState:
    return sandbox_portal


@pytest.fixture
def session(http_session):
    return http_session


@pytest.fixture
def make_client(state, session):
    """A client for the sandbox portal; a generous limiter unless a test is about limits."""
    def make(burst: int = 500, rate: float = 1000.0, **kwargs) -> tuple[RestClient, InMemoryPortals]:
        portals = InMemoryPortals(state.installation())
        settings = Settings(rest_burst=burst, rest_rate_per_s=rate,
                            app_client_id=state.client_id, app_client_secret=state.client_secret)
        return RestClient(session, portals, settings, **kwargs), portals
    return make


def rest_requests(state: SandboxState) -> list[dict]:
    return [r for r in state.requests if r["path"].startswith("/rest/")]


async def test_call_returns_result(state, make_client):
    client, _ = make_client()
    activity_id, call_id = create_call(state, CallSpec(line="reg5"))
    activity = await client.call(state.member_id, "crm.activity.get", {"id": activity_id})
    assert activity["ORIGIN_ID"] == f"VI_{call_id}"
    with pytest.raises(NotFound):
        await client.call(state.member_id, "crm.contact.get", {"id": 999999})


async def test_list_all_follows_next(state, make_client):
    client, _ = make_client()
    ids = {str(create_call(state, CallSpec())[0]) for _ in range(110)}
    first = await client.call_full(state.member_id, "crm.activity.list", {"filter": {"TYPE_ID": 2}})
    assert (first["total"], first["next"], len(first["result"])) == (110, 50, 50)
    pages = [page async for page in client.list_all(state.member_id, "crm.activity.list",
                                                    {"filter": {"TYPE_ID": 2}, "select": ["ID"]})]
    assert [len(p) for p in pages] == [50, 50, 10]
    assert {row["ID"] for p in pages for row in p} == ids


async def test_batch_results_and_errors(state, make_client):
    client, _ = make_client()
    activity_id, _ = create_call(state, CallSpec(contact_id=None, deal_id=None))
    results, errors = await client.batch(state.member_id, {
        "act": ("crm.activity.get", {"id": activity_id}),
        "stat": ("voximplant.statistic.get", {"FILTER": {"CRM_ACTIVITY_ID": activity_id}}),
        "gone": ("crm.contact.get", {"id": 999999})})
    assert results["act"]["ID"] == str(activity_id)
    assert results["stat"][0]["CRM_ACTIVITY_ID"] == str(activity_id)
    assert set(errors) == {"gone"} and isinstance(errors["gone"], NotFound)
    with pytest.raises(ValueError):
        await client.batch(state.member_id, {str(i): ("app.info", {}) for i in range(51)})


async def test_one_refresh_for_fifty_concurrent_expired_calls(state, make_client):
    state.bucket = replace(state.bucket, burst=200)  # 50 calls + 50 retries in one burst
    client, portals = make_client()
    state.expire_tokens()
    infos = await asyncio.gather(*(client.call(state.member_id, "app.info") for _ in range(50)))
    assert all(info["install"]["member_id"] == state.member_id for info in infos)
    assert state.refresh_count == 1
    stored = portals.get(state.member_id)
    assert stored.refresh_token == state.refresh_token  # the rotated pair was kept
    assert state.token_status(stored.access_token) == "ok"


async def test_invalid_grant_marks_portal_for_reauth(state, make_client):
    client, portals = make_client()
    state.expire_tokens()
    state.refresh_token = "revoked-by-admin"
    with pytest.raises(ReauthRequired):
        await client.call(state.member_id, "app.info")
    assert portals.get(state.member_id).status == "reauth_required"
    seen = len(state.requests)
    with pytest.raises(ReauthRequired):  # fails fast: no more requests to the portal
        await client.call(state.member_id, "app.info")
    assert len(state.requests) == seen


class LaggingPortals(InMemoryPortals):
    """A directory that learns of another process's refresh only after our refresh failed."""

    def __init__(self, stale, fresh) -> None:
        super().__init__(stale)
        self.fresh, self.reads = fresh, 0

    def get(self, member_id):
        self.reads += 1
        return super().get(member_id) if self.reads <= 2 else self.fresh


async def test_rotation_by_another_process_is_not_reauth(state, session):
    stale = state.installation()
    access, refresh = state.rotate()  # "another worker" refreshed meanwhile
    state.access_tokens[stale.access_token] = 0.0
    portals = LaggingPortals(stale, replace(stale, access_token=access, refresh_token=refresh))
    client = RestClient(session, portals, Settings(app_client_secret=state.client_secret))
    info = await client.call(state.member_id, "app.info")
    assert info["install"]["member_id"] == state.member_id
    assert state.refresh_count == 1  # ours was refused; the portal was not marked
    assert portals.get(state.member_id).status == "active"


async def test_client_stays_under_the_portal_bucket(state, make_client):
    # Same drain rate as the portal; the client's bucket is 2 smaller to absorb scheduling
    # jitter (requests acquired apart can arrive together on a loaded machine).
    state.bucket = replace(state.bucket, burst=12, per_s=5.0)
    client, _ = make_client(burst=10, rate=5.0)
    await asyncio.gather(*(client.call(state.member_id, "app.info") for _ in range(20)))
    statuses = [r["status"] for r in rest_requests(state)]
    assert len(statuses) == 20 and set(statuses) == {200}


async def test_backs_off_when_the_portal_says_query_limit(state, make_client):
    state.bucket = replace(state.bucket, burst=2, per_s=5.0)
    client, _ = make_client(rate_limit_retries=8, backoff_s=0.05)
    await asyncio.gather(*(client.call(state.member_id, "app.info") for _ in range(6)))
    statuses = [r["status"] for r in rest_requests(state)]
    assert statuses.count(200) == 6 and 503 in statuses


async def test_gives_up_after_bounded_retries(state, make_client):
    state.bucket = replace(state.bucket, burst=1, per_s=0.001)
    client, _ = make_client(rate_limit_retries=2, backoff_s=0.01)
    await client.call(state.member_id, "app.info")
    with pytest.raises(RateLimited) as caught:
        await client.call(state.member_id, "app.info")
    assert caught.value.transient
    assert [r["status"] for r in rest_requests(state)] == [200, 503, 503, 503]


async def test_server_errors_are_transient(state, make_client):
    client, _ = make_client()
    state.faults.fail_next["app.info"] = 1
    with pytest.raises(PortalUnavailable) as caught:
        await client.call(state.member_id, "app.info")
    assert caught.value.transient and caught.value.status == 500


async def test_unreachable_portal_is_portal_unavailable(state, make_client):
    client, portals = make_client()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/rest/"
    await portals.put(replace(portals.get(state.member_id), client_endpoint=dead))
    with pytest.raises(PortalUnavailable):
        await client.call(state.member_id, "app.info")


@pytest.fixture
def recording(state):
    body = os.urandom(300_000)
    activity_id, _ = create_call(state, CallSpec())
    attach_recording(state, activity_id, "call.wav", "audio/x-wav", body)
    return state.activities[activity_id]["FILES"][0]["url"], body


async def test_download_streams_whole_file_with_sha256(state, make_client, recording, tmp_path):
    client, _ = make_client()
    url, body = recording
    state.expire_tokens()  # the download refreshes like any call
    dest = tmp_path / "blobs" / "call.wav"
    result = await client.download(state.member_id, url, dest, max_bytes=1_000_000)
    assert dest.read_bytes() == body
    assert result.sha256 == hashlib.sha256(body).hexdigest() and result.size_bytes == len(body)
    assert result.content_type == "audio/x-wav"
    assert state.refresh_count == 1
    assert os.listdir(dest.parent) == ["call.wav"]  # no temp file left behind


async def test_download_enforces_max_bytes(state, make_client, recording, tmp_path):
    client, _ = make_client()
    url, body = recording
    with pytest.raises(TooLarge):
        await client.download(state.member_id, url, tmp_path / "x.wav", max_bytes=len(body) - 1)
    assert os.listdir(tmp_path) == []


async def test_download_refuses_an_html_page(state, make_client, aiohttp_server, tmp_path):
    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text="<html>Please log in</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/bitrix/tools/crm_show_file.php", login_page)
    server = await aiohttp_server(app)
    client, portals = make_client()
    await portals.put(replace(portals.get(state.member_id),
                              client_endpoint=str(server.make_url("/rest/"))))
    url = str(server.make_url("/bitrix/tools/crm_show_file.php")) + "?fileId=1&auth="
    with pytest.raises(PortalUnavailable):
        await client.download(state.member_id, url, tmp_path / "x.wav", max_bytes=1000)
    assert os.listdir(tmp_path) == []


async def test_download_follows_redirects_only_on_the_portal(state, make_client, aiohttp_server, tmp_path):
    """A portal that redirects a recording elsewhere (an internal address, say) gets nothing fetched."""
    elsewhere_hits = []

    async def elsewhere(request: web.Request) -> web.Response:
        elsewhere_hits.append(request.path)
        return web.Response(body=b"secret", content_type="audio/x-wav")

    internal = web.Application()
    internal.router.add_get("/internal", elsewhere)
    other = await aiohttp_server(internal)

    async def hop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url.with_path("/audio")))

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(other.make_url("/internal")))

    async def audio(request: web.Request) -> web.Response:
        return web.Response(body=b"RIFF-audio", content_type="audio/x-wav")

    app = web.Application()
    app.router.add_get("/hop", hop)
    app.router.add_get("/away", away)
    app.router.add_get("/audio", audio)
    server = await aiohttp_server(app)
    client, portals = make_client()
    await portals.put(replace(portals.get(state.member_id), client_endpoint=str(server.make_url("/rest/"))))
    result = await client.download(state.member_id, str(server.make_url("/hop")) + "?auth=",
                                   tmp_path / "ok.wav", max_bytes=1000)
    assert result.size_bytes == len(b"RIFF-audio")
    with pytest.raises(ForeignUrl):
        await client.download(state.member_id, str(server.make_url("/away")) + "?auth=",
                              tmp_path / "x.wav", max_bytes=1000)
    assert elsewhere_hits == [] and sorted(os.listdir(tmp_path)) == ["ok.wav"]


@pytest.mark.parametrize("foreign", [
    "http://evil.example/bitrix/tools/crm_show_file.php?fileId=1&auth=",
    "http://127.0.0.1:1/bitrix/tools/crm_show_file.php?fileId=1&auth=",
    "/bitrix/tools/crm_show_file.php?fileId=1&auth="])
async def test_download_refuses_other_hosts(state, make_client, tmp_path, foreign):
    client, _ = make_client()
    with pytest.raises(ForeignUrl):
        await client.download(state.member_id, foreign, tmp_path / "x.wav", max_bytes=10)
    assert state.requests == [] and os.listdir(tmp_path) == []


# pure helpers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "payload", "kind"), [
    (401, {"error": "expired_token"}, TokenExpired),
    (401, {"error": "invalid_token"}, TokenExpired),
    (401, {"error": "NO_AUTH_FOUND"}, TokenExpired),
    (401, {"error": "PAYMENT_REQUIRED"}, AccessDenied),
    (503, {"error": "QUERY_LIMIT_EXCEEDED"}, RateLimited),
    (429, {"error": "OPERATION_TIME_LIMIT"}, RateLimited),
    (403, {"error": "insufficient_scope"}, AccessDenied),
    (400, {"error": "", "error_description": "Not found"}, NotFound),
    (400, {"error": "ERROR_NOT_FOUND"}, NotFound),
    (500, {"error": "INTERNAL_SERVER_ERROR"}, PortalUnavailable),
    (502, None, PortalUnavailable),  # HTML from a proxy
    (400, {"error": "ERROR_CORE"}, BitrixError),
])
def test_classify(status, payload, kind):
    error = classify(status, payload)
    assert type(error) is kind
    assert error.status == status
    assert error.transient is (kind in (RateLimited, PortalUnavailable))


def test_operation_time_limit_is_not_retried_in_call():
    assert classify(429, {"error": "OPERATION_TIME_LIMIT"}, "120").retry_after_s == 120
    assert classify(503, {"error": "QUERY_LIMIT_EXCEEDED"}).retry_after_s is None


def test_batch_command_round_trips_php_brackets():
    params = {"filter": {">ID": 5, "TYPE_ID": 2}, "select": ["ID", "FILES"], "start": -1}
    method, _, query = batch_command("crm.activity.list", params).partition("?")
    assert method == "crm.activity.list"
    assert unflatten(parse_qsl(query)) == {"filter": {">ID": "5", "TYPE_ID": "2"},
                                           "select": {"0": "ID", "1": "FILES"}, "start": "-1"}


def test_with_auth_fills_the_trailing_parameter():
    assert with_auth("https://p/x.php?fileId=1&auth=", "t/k") == "https://p/x.php?fileId=1&auth=t%2Fk"
    assert with_auth("https://p/x.php?fileId=1", "tok").endswith("fileId=1&auth=tok")


def test_same_portal_url_upgrades_http_on_https_portal():
    checked = same_portal_url("http://Portal.bitrix24.ru/f.php?a=1&auth=", "https://portal.bitrix24.ru/rest/")
    assert checked.startswith("https://")
    with pytest.raises(ForeignUrl):
        same_portal_url("https://user@portal.bitrix24.ru.evil/f.php", "https://portal.bitrix24.ru/rest/")
