"""Embedded mode: a local Kafka broker, the sandbox portal, the gateway (in this process) and a
worker (a child process, so it can be killed and restarted) on one machine."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp import web

from streams.settings import Settings

log = logging.getLogger(__name__)


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings for a child process, as AICA_* variables."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[f"AICA_{name.upper()}"] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return env


async def _serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, runner.addresses[0][1]  # port 0 -> the one the OS chose


class EmbeddedStack:
    def __init__(self, settings: Settings, *, worker_stages: str = "", sandbox_port: int = 0,
                 manage_broker: bool = True) -> None:
        self.settings = settings
        self.manage_broker = manage_broker
        self.worker_stages = worker_stages
        self.sandbox_port = sandbox_port
        self.broker = None
        self.portals = None
        self.sandbox_state = None
        self.worker: subprocess.Popen | None = None
        self._runners: list[web.AppRunner] = []
        self.gateway_url = ""
        self.sandbox_url = ""

    async def start(self) -> "EmbeddedStack":
        from bitrix.fields import ensure_fields, wanted_fields
        from aica.projects import load_catalog
        from gateway.app import create_app as create_gateway
        from sandbox.portal import create_sandbox_app
        from sandbox.state import SandboxState
        from streams.localbroker import LocalBroker
        from streams.portal_store import KafkaPortals
        from streams.topics import ensure_topics

        s = self.settings
        Path(s.data_dir).mkdir(parents=True, exist_ok=True)
        if self.manage_broker:
            self.broker = LocalBroker(Path(s.data_dir) / "kafka", port=int(s.kafka_bootstrap.rsplit(":", 1)[1]))
            await asyncio.to_thread(self.broker.start)
        await asyncio.to_thread(ensure_topics, s)
        self.portals = await asyncio.to_thread(KafkaPortals(s).start)

        gateway_runner, gateway_port = await _serve(create_gateway(s, self.portals), s.gateway_host, s.gateway_port)
        self._runners.append(gateway_runner)
        self.gateway_url = f"http://{s.gateway_host}:{gateway_port}"

        self.sandbox_state = SandboxState(event_handler_url=f"{self.gateway_url}/b24/events")
        sandbox_runner, sandbox_port = await _serve(create_sandbox_app(self.sandbox_state), "127.0.0.1",
                                                    self.sandbox_port)
        self._runners.append(sandbox_runner)
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self.sandbox_state.base_url = self.sandbox_url

        # Installing the app is issue-3 work (install callback + app.info check); here the
        # sandbox portal is registered directly and its fields are created.
        portal = self.sandbox_state.installation()
        await self.portals.put(portal)
        await self._provision_fields(portal.member_id, wanted_fields(load_catalog(s)), ensure_fields)
        self.start_worker()
        return self

    async def _provision_fields(self, member_id, wanted, ensure_fields) -> None:
        from bitrix.client import RestClient
        async with aiohttp.ClientSession() as session:
            await ensure_fields(RestClient(session, self.portals, self.settings), member_id, wanted)

    def start_worker(self) -> None:
        env = {**os.environ, **settings_env(self.settings)}
        if self.worker_stages:
            env["AICA_WORKER_STAGES"] = self.worker_stages
        log_path = Path(self.settings.data_dir) / "worker.log"
        self._worker_log = open(log_path, "ab")
        self.worker = subprocess.Popen([sys.executable, "-m", "aica.cli", "worker"], env=env,
                                       stdout=self._worker_log, stderr=subprocess.STDOUT)
        log.info("worker pid %s, log %s", self.worker.pid, log_path)

    async def wait_worker_ready(self, timeout_s: float = 120.0) -> None:
        """Until the worker's consumer group is stable (startup, model loads and joining done)."""
        from streams.offsets import group_is_stable
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await asyncio.to_thread(group_is_stable, self.settings, self.settings.consumer_group):
            if not self.worker_alive():
                raise RuntimeError("the worker exited; see worker.log in the data directory")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the worker did not join its consumer group")
            await asyncio.sleep(0.5)

    def worker_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def stop_worker(self, kill: bool = False, timeout: float = 60.0) -> int | None:
        if self.worker is None or self.worker.poll() is not None:
            return self.worker.returncode if self.worker else None
        self.worker.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            return self.worker.wait(timeout)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            return self.worker.wait(10)

    async def stop(self) -> None:
        await asyncio.to_thread(self.stop_worker)
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.portals is not None:
            await asyncio.to_thread(self.portals.stop)
        if self.broker is not None:
            await asyncio.to_thread(self.broker.stop)


async def run_forever(settings: Settings) -> None:
    stack = await EmbeddedStack(settings).start()
    print(f"gateway {stack.gateway_url}  sandbox portal {stack.sandbox_url}  (Ctrl-C to stop)")
    try:
        while stack.worker and stack.worker.poll() is None:
            await asyncio.sleep(1)
        print(f"worker exited with {stack.worker.returncode if stack.worker else '?'}", file=sys.stderr)
    finally:
        await stack.stop()
