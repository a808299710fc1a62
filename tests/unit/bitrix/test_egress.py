"""Redirects and private addresses (issue 10, finding 2). POSTs to a portal never follow a redirect
(a 307 would re-send the token, a 302 turn into a GET anywhere); a portal host resolving to a
metadata, private or loopback address is refused before a socket is opened; plain http only to
the hosts settings allow. The private addresses come from a fake resolver: nothing is ever sent
to them."""
from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver

from bitrix.client import BitrixError, ForeignUrl, RestClient
from bitrix.egress import EgressPolicy, egress_refusal, is_public, portal_session
from bitrix.oauth import InstallRefused, exchange_refresh_token, fetch_app_info, fetch_is_admin
from bitrix.portals import InMemoryPortals, Portal
from dashboard.placement import PlacementPost, PortalAccess, verify_placement
from httpapi.errors import Refused
from streams.settings import Settings

FAKE_DNS = {"metadata.portal.example": "169.254.169.254", "internal.portal.example": "10.1.2.3",
            "public.portal.example": "93.184.216.34"}


class FakeResolver(AbstractResolver):
    """Answers from FAKE_DNS; a name it does not know is an error (no real lookups)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        self.asked.append(host)
        if host not in FAKE_DNS:
            raise OSError(f"fake resolver knows no {host}")
        return [{"hostname": host, "host": FAKE_DNS[host], "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


def portal_at(endpoint: str) -> Portal:
    return Portal(member_id="m1", domain="p", client_endpoint=endpoint, server_endpoint=endpoint,
                  application_token="app", access_token="secret-token", refresh_token="r",
                  access_expires_at=2e9)


@pytest.fixture
async def redirecting(aiohttp_server):
    """A portal whose every POST under /<status>/ answers that redirect to /stolen, which counts
    what reaches it. Returns a base URL per status."""
    stolen: list[str] = []
    kinds = {"307": web.HTTPTemporaryRedirect, "308": web.HTTPPermanentRedirect, "302": web.HTTPFound,
             "301": web.HTTPMovedPermanently}

    async def redirect(request: web.Request) -> web.Response:
        raise kinds[request.match_info["status"]](location="/stolen")

    async def steal(request: web.Request) -> web.Response:
        stolen.append(await request.text())
        return web.json_response({"result": True, "access_token": "x", "refresh_token": "y"})

    app = web.Application()
    app.router.add_route("*", "/stolen", steal)
    app.router.add_post("/{status:[0-9]+}/{tail:.*}", redirect)
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    return (lambda status: f"{base}/{status}"), stolen


@pytest.fixture
async def guarded():
    """As configured by default: the loopback sandbox allowed."""
    resolver = FakeResolver()
    async with portal_session(Settings(), resolver=resolver) as session:
        yield session, resolver


@pytest.fixture
async def strict():
    """As in production: no host exempt."""
    resolver = FakeResolver()
    async with portal_session(Settings(insecure_portal_hosts=""), resolver=resolver) as session:
        yield session, resolver


@pytest.mark.parametrize("status", [307, 302])
async def test_rest_calls_do_not_follow_redirects(guarded, redirecting, status):
    session, _ = guarded
    base, stolen = redirecting
    client = RestClient(session, InMemoryPortals(portal_at(f"{base(status)}/rest/")), Settings())
    with pytest.raises(BitrixError) as caught:
        await client.call("m1", "crm.deal.get", {"id": 1})
    assert caught.value.code == "REDIRECT_REFUSED" and not caught.value.transient
    assert str(status) in caught.value.description and stolen == []


@pytest.mark.parametrize("status", [307, 302])
async def test_oauth_and_admin_checks_do_not_follow_redirects(guarded, redirecting, status):
    session, _ = guarded
    base, stolen = redirecting
    with pytest.raises(InstallRefused) as caught:
        await fetch_app_info(session, f"{base(status)}/oauth/rest/", "secret-token", 5)
    assert caught.value.code == "oauth_redirected"
    with pytest.raises(InstallRefused) as caught:
        await fetch_is_admin(session, f"{base(status)}/rest/", "secret-token", 5)
    assert caught.value.code == "portal_redirected"
    with pytest.raises(BitrixError) as caught:
        await exchange_refresh_token(session, Settings(), portal_at(f"{base(status)}/rest/"))
    assert caught.value.code == "REDIRECT_REFUSED"
    assert stolen == []


async def test_placement_checks_do_not_follow_redirects(guarded, redirecting):
    session, _ = guarded
    base, stolen = redirecting
    post = PlacementPost("m1", "user-token", "deal", 7, "en", None)
    with pytest.raises(Refused) as caught:
        await verify_placement(PortalAccess.of(session, Settings()), portal_at(f"{base(307)}/rest/"), post,
                               "local.aica", 0.0)
    assert (caught.value.status, caught.value.code) == (502, "portal_redirected")
    assert stolen == []


@pytest.mark.parametrize("endpoint", ["https://metadata.portal.example/rest/", "https://internal.portal.example/rest/",
                                      "https://10.1.2.3/rest/", "https://169.254.169.254/rest/",
                                      "https://[::1]/rest/", "https://[::ffff:127.0.0.1]/rest/"])
async def test_private_addresses_are_refused_before_connecting(strict, endpoint):
    session, _ = strict
    client = RestClient(session, InMemoryPortals(portal_at(endpoint)), Settings(insecure_portal_hosts=""))
    with pytest.raises(ForeignUrl) as caught:
        await client.call("m1", "app.info")
    assert caught.value.code == "FORBIDDEN_ADDRESS" and not caught.value.transient
    with pytest.raises(aiohttp.ClientError) as raw:
        await session.post(endpoint + "user.admin", json={"auth": "secret-token"}, allow_redirects=False)
    assert egress_refusal(raw.value)


async def test_private_addresses_are_refused_on_a_download_hop(guarded, tmp_path):
    session, _ = guarded
    client = RestClient(session, InMemoryPortals(portal_at("https://internal.portal.example/rest/")), Settings())
    with pytest.raises(ForeignUrl) as caught:
        await client.download("m1", "https://internal.portal.example/disk/rec.mp3?auth=", tmp_path / "r.mp3", 1000)
    assert caught.value.code == "FORBIDDEN_ADDRESS" and not (tmp_path / "r.mp3").exists()


async def test_plain_http_only_to_allowed_hosts(guarded):
    session, resolver = guarded
    client = RestClient(session, InMemoryPortals(portal_at("http://public.portal.example/rest/")), Settings())
    with pytest.raises(ForeignUrl) as caught:
        await client.call("m1", "app.info")
    assert caught.value.code == "FORBIDDEN_ADDRESS" and "https" in caught.value.description
    assert resolver.asked == []  # refused before even resolving


async def test_the_sandbox_on_loopback_is_allowed_by_default(sandbox_portal):
    async with portal_session(Settings()) as session:
        async with session.post(sandbox_portal.client_endpoint + "app.info",
                                json={"auth": sandbox_portal.current_access_token()}) as response:
            assert response.status == 200
    localhost = sandbox_portal.client_endpoint.replace("127.0.0.1", "localhost")
    async with portal_session(Settings()) as session:
        async with session.post(localhost + "app.info", json={"auth": sandbox_portal.current_access_token()}) as r:
            assert r.status == 200
    async with portal_session(Settings(insecure_portal_hosts="")) as session:
        with pytest.raises(aiohttp.ClientError) as raw:
            await session.post(sandbox_portal.client_endpoint + "app.info", json={})
        assert egress_refusal(raw.value)


def test_which_addresses_are_public():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1:248:1893:25c8:1946")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                    "0.0.0.0", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "224.0.0.1", "not-an-ip"):
        assert not is_public(address), address
    policy = EgressPolicy(["127.0.0.1", "Sandbox.Local"])
    assert policy.insecure_hosts == {"127.0.0.1", "sandbox.local"}
