"""Where a portal's tokens may be sent: https only, and never to a private address.

A portal's host comes from what a portal (or someone posing as one) told us, so a request to it
could be aimed at the metadata service (169.254.169.254), a loopback admin port or the internal
network. `portal_session` gives an aiohttp session that refuses, after DNS resolution and for
every connection (each redirect hop of a download included):
- a host name resolving to a loopback, private, link-local, reserved or multicast address
  (`GuardedResolver`), and an IP-literal host of that kind (the connector's socket factory, which
  sees every address a socket is opened to);
- plain http (`on_request_start`).
Hosts named in `Settings.insecure_portal_hosts` (the local sandbox portal) are exempt from both.
POSTs to a portal never follow redirects (`allow_redirects=False` at each call site): a 307/308
would re-send the token, a 301/302 turn the request into a GET anywhere."""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from streams.settings import Settings

NOT_PUBLIC = "the portal host is not a public address (loopback, private, link-local or reserved)"


class ForbiddenAddress(OSError):
    """An address no portal may have. One message for all, so several refused addresses of one
    host (IPv4 and IPv6) surface as this type rather than a combined OSError."""

    def __init__(self) -> None:
        super().__init__(NOT_PUBLIC)


class InsecureUrl(aiohttp.ClientError):
    """A plain-http (or non-http) URL to a host not allowed to be insecure."""


def is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def egress_refusal(exc: BaseException) -> str | None:
    """The reason if `exc` (or what it wraps) is one of this module's refusals."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, (ForbiddenAddress, InsecureUrl)):
            return str(seen)
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None


class EgressPolicy:
    def __init__(self, insecure_hosts: Iterable[str]) -> None:
        self.insecure_hosts = frozenset(h.strip().lower().strip("[]") for h in insecure_hosts if h.strip())
        # Addresses an exempt host resolved to, and exempt IP literals: the socket factory lets
        # these through (it cannot see which host name an address came from).
        self._vouched = {h for h in self.insecure_hosts if _is_ip(h)}

    def check_url(self, url: URL) -> None:
        host = (url.host or "").lower().strip("[]")
        if url.scheme == "https" or (url.scheme == "http" and host in self.insecure_hosts):
            return
        raise InsecureUrl(f"{url.scheme}:// to {host or 'no host'} refused: portals are reached over https only")

    def check_resolved(self, host: str, results: list[ResolveResult]) -> list[ResolveResult]:
        if host.lower() in self.insecure_hosts:
            self._vouched.update(r["host"] for r in results)
            return results
        if not results or not all(is_public(r["host"]) for r in results):
            raise ForbiddenAddress()
        return results

    def socket_factory(self, addr_info: Any) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        if not is_public(sockaddr[0]) and sockaddr[0] not in self._vouched:
            raise ForbiddenAddress()
        return socket.socket(family=family, type=type_, proto=proto)

    def trace_config(self) -> aiohttp.TraceConfig:
        async def on_request_start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
            self.check_url(params.url)
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(on_request_start)
        return trace


class GuardedResolver(AbstractResolver):
    """Resolves with `inner` (the default resolver, or a fake in tests), then applies the policy."""

    def __init__(self, policy: EgressPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy, self.inner = policy, inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return self.policy.check_resolved(host, await self.inner.resolve(host, port, family))

    async def close(self) -> None:
        await self.inner.close()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def portal_session(settings: Settings, *, resolver: AbstractResolver | None = None,
                   **session_args: Any) -> aiohttp.ClientSession:
    """A ClientSession for everything sent to portals and their OAuth servers. Call inside a
    running loop; the caller closes it."""
    policy = EgressPolicy(settings.insecure_portal_host_list)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy, resolver),
                                     socket_factory=policy.socket_factory)
    return aiohttp.ClientSession(connector=connector, trace_configs=[policy.trace_config()], **session_args)
