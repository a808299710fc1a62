"""A running sandbox portal on 127.0.0.1 (random port) and a test client for it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sandbox import SandboxState, create_sandbox_app


@dataclass
class Sandbox:
    state: SandboxState
    http: TestClient

    @property
    def token(self) -> str:
        return self.state.current_access_token()

    async def rest(self, method: str, params: dict[str, Any] | None = None,
                   auth: str | None = None) -> tuple[int, dict[str, Any]]:
        body = {**(params or {}), "auth": self.token if auth is None else auth}
        async with self.http.post(f"/rest/{method}", json=body) as response:
            return response.status, await response.json()

    async def control(self, path: str, body: dict[str, Any]) -> Any:
        async with self.http.post(f"/_sandbox/{path}", json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()


@pytest.fixture
async def sandbox(aiohttp_client) -> Sandbox:
    state = SandboxState()
    http = await aiohttp_client(create_sandbox_app(state))
    state.base_url = str(http.make_url("")).rstrip("/")
    return Sandbox(state, http)
