"""Shared fixtures: a settings factory, and for integration tests one real Kafka broker per session."""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from streams.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings_factory(tmp_path):
    def make(**overrides) -> Settings:
        values = {"data_dir": tmp_path / "var", "secret_key": "", **overrides}
        return Settings(**values)
    return make


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory):
    """A real single-node KRaft broker from Maven Central jars (streams.localbroker)."""
    from streams.localbroker import LocalBroker
    broker = LocalBroker(tmp_path_factory.mktemp("kafka"), port=free_port(), controller_port=free_port())
    broker.start(timeout=120)
    yield broker
    broker.stop()


@pytest.fixture
def pipeline_settings(kafka_broker, tmp_path):
    """Settings for an isolated pipeline on the shared broker: own topics, group and data dir."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    return Settings(
        data_dir=tmp_path / "var", kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=prefix,
        consumer_group=f"{prefix}worker", topic_partitions=2, gateway_port=free_port(),
        retry_delays_s=[0.5, 1.0, 2.0], recording_wait_attempts=12,
        clickhouse_batch_within_s=0.5,
        # 0 = no metrics listener: every embedded stack in a test would bind the fixed 9101/9102.
        worker_metrics_port=0, gateway_metrics_port=0,
    )


@pytest.fixture
async def sandbox_portal(aiohttp_server):
    """A running sandbox Bitrix24 portal on 127.0.0.1; its SandboxState, base_url set."""
    from sandbox import SandboxState, create_sandbox_app
    state = SandboxState()
    server = await aiohttp_server(create_sandbox_app(state))
    state.base_url = str(server.make_url("")).rstrip("/")
    return state


@pytest.fixture
async def http_session():
    import aiohttp
    async with aiohttp.ClientSession() as session:
        yield session
