"""Gateway fixtures: the documented Bitrix24 payload, an installed portal, an in-memory publisher
and a factory for a real aiohttp test server around `create_app`."""
from __future__ import annotations

import copy
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bitrix.portals import InMemoryPortals, Portal
from gateway.app import create_app
from streams.settings import Settings

# The ONCRMACTIVITYADD example from docs/bitrix24-api.md §1.3 (JSON view of the form data).
DOCUMENTED_EVENT: dict[str, Any] = {
    "event": "onCrmActivityAdd",
    "event_handler_id": "185",
    "data": {"FIELDS": {"ID": "999"}},
    "ts": "1466439714",
    "auth": {
        "access_token": "s6p6eclrvim6da22ft9ch94ekreb52lv", "expires_in": "3600", "scope": "crm",
        "domain": "some-domain.bitrix24.com", "server_endpoint": "https://oauth.bitrix.info/rest/",
        "status": "L", "client_endpoint": "https://some-domain.bitrix24.com/rest/",
        "member_id": "a223c6b3710f85df22e9377d6c4f7553",
        "refresh_token": "4s386p3q0tr8dy89xvmt96234v3dljg8",
        "application_token": "51856fefc120afa4b628cc82d3935cce",
    },
}
RELAY_SECRET = "relay-secret-current"


class InMemoryPublisher:
    """Acks instantly and keeps what it was sent; `failing=True` simulates a broker that errors."""

    def __init__(self, failing: bool = False) -> None:
        self.failing = failing
        self.calls = 0
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, key: bytes, value: bytes) -> None:
        self.calls += 1
        if self.failing:
            raise ConnectionError("broker down")
        self.sent.append((topic, key, value))


@pytest.fixture
def documented_event() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENTED_EVENT)


@pytest.fixture
def portal() -> Portal:
    auth = DOCUMENTED_EVENT["auth"]
    return Portal(member_id=auth["member_id"], domain=auth["domain"], client_endpoint=auth["client_endpoint"],
                  server_endpoint=auth["server_endpoint"], application_token=auth["application_token"],
                  access_token="stored-access-token", refresh_token="stored-refresh-token",
                  access_expires_at=0.0)


@pytest.fixture
def relay_secret() -> str:
    return RELAY_SECRET


@pytest.fixture
def publisher() -> InMemoryPublisher:
    return InMemoryPublisher()


@pytest.fixture
def failing_publisher() -> InMemoryPublisher:
    return InMemoryPublisher(failing=True)


@pytest.fixture
def settings_factory(tmp_path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path, "relay_secrets": RELAY_SECRET, "max_body_bytes": 4096}
        return Settings(**(values | overrides))
    return make


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: a broker that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def make_client(aiohttp_client, settings_factory, portal, publisher) -> Callable[..., Awaitable[Any]]:
    """A real aiohttp server on 127.0.0.1 with a random port around the gateway app."""
    async def make(settings: Settings | None = None, portals: InMemoryPortals | None = None,
                   use_publisher: Any = "default") -> Any:
        chosen = publisher if use_publisher == "default" else use_publisher
        app = create_app(settings or settings_factory(), portals or InMemoryPortals(portal), chosen)
        return await aiohttp_client(app)
    return make


@pytest.fixture
def sandbox(sandbox_portal):
    """The sandbox portal the install tests install from (its OAuth server is the allowed one)."""
    return sandbox_portal


@pytest.fixture
async def install_gateway(make_client, settings_factory, sandbox):
    """(client, portals) of a gateway that trusts the sandbox's OAuth server, with a public URL."""
    portals = InMemoryPortals()
    settings = settings_factory(oauth_server_endpoints=[sandbox.server_endpoint], public_url="https://gw.example")
    return await make_client(settings=settings, portals=portals), portals
