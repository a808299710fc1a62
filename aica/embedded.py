"""Embedded mode: a local Kafka broker, the sandbox portal, the gateway (in this process) and a
worker (a child process, so it can be killed and restarted) on one machine. The composition of
the embedded default lives in this one place (~250 lines), so the demo and the tests start it alike.

About 290 lines: the composition of the embedded default in one place, so the demo, `aica run` and the tests start it alike."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_gateway_settings(settings: Settings, sandbox_url: str, gateway_port: int) -> Settings:
    """The gateway's settings in embedded mode: the sandbox's OAuth server is trusted, and unless
    a public URL was configured, handlers are bound at the gateway's own address."""
    update: dict = {"gateway_port": gateway_port,
                    "oauth_server_endpoints": [*settings.oauth_server_endpoints, f"{sandbox_url}/oauth/rest/"]}
    if "public_url" not in settings.model_fields_set:
        update["public_url"] = f"http://{settings.gateway_host}:{gateway_port}"
    return settings.model_copy(update=update)


START_STEPS = ("broker", "topics", "gateway and sandbox portal", "worker: models and partitions",
               "install on the sandbox portal")


def install_outcome(body: dict | str) -> dict:
    """The install's answer as a dict: the JSON of the background form, or the status and error
    the install page (a frame install, gateway.install_page) carries in data attributes."""
    if isinstance(body, dict):
        return body
    found = dict(re.findall(r'data-(status|error)="([^"]*)"', body))
    return {"status": found.get("status") or None, "error": found.get("error") or None}


class EmbeddedStack:
    def __init__(self, settings: Settings, *, worker_stages: str = "", sandbox_port: int = 0,
                 manage_broker: bool = True) -> None:
        self.settings = settings
        self.manage_broker = manage_broker
        self.worker_stages = worker_stages
        self.sandbox_port = sandbox_port
        self.broker = None
        self.portals = None
        self.portal_settings = None
        self.sandbox_state = None
        self.worker: subprocess.Popen | None = None
        self.extra_workers: list[subprocess.Popen] = []
        self._runners: list[web.AppRunner] = []
        self._broker_starting: asyncio.Future | None = None
        self.gateway_url = ""
        self.sandbox_url = ""
        self.dashboard_url = ""  # served by the worker (chdb lives there): <url>/placement, <url>/api/...
        self.on_step: Callable[[str], None] = lambda step: None  # START_STEPS as they begin (progress)

    async def start(self) -> "EmbeddedStack":
        from control.tokens import KafkaTokens
        from gateway.app import create_app as create_gateway, metrics_server
        from sandbox.portal import create_sandbox_app
        from sandbox.state import SandboxState
        from streams.localbroker import broker_from_settings
        from control.portals import KafkaPortals
        from streams.topics import ensure_topics

        s = self.settings
        Path(s.data_dir).mkdir(parents=True, exist_ok=True)
        self.on_step(START_STEPS[0])
        if self.manage_broker:
            self.broker = broker_from_settings(s)
            # Kept: a stop while the broker is starting waits for it, then stops it (a cancelled
            # thread would go on to start a broker nobody stops).
            self._broker_starting = asyncio.ensure_future(asyncio.to_thread(self.broker.start))
            await asyncio.shield(self._broker_starting)
        self.on_step(START_STEPS[1])
        await asyncio.to_thread(ensure_topics, s)
        self.on_step(START_STEPS[2])
        self.portals = await asyncio.to_thread(KafkaPortals(s).start)

        # Ports first: the gateway trusts the sandbox's OAuth server and binds its handlers at its
        # own public URL, both known only once the ports are.
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port or free_port()}"
        gateway_settings = embedded_gateway_settings(s, self.sandbox_url, s.gateway_port or free_port())
        from control.portal_settings import KafkaPortalSettings
        from catalog.projects import load_catalog
        from control.portals import load_secret_box
        self.portal_settings = await asyncio.to_thread(
            KafkaPortalSettings(s, load_secret_box(s), load_catalog(s)).start)
        # /app/* forwarded to the worker's dashboard: the bound placement handler is on this origin.
        from aica.dashboard_proxy import dashboard_proxy
        gateway = create_gateway(gateway_settings, self.portals, tokens=KafkaTokens(s, self.portals),
                                 portal_settings=self.portal_settings,
                                 dashboard=dashboard_proxy(f"http://{s.dashboard_host}:{s.dashboard_port}/app"))
        gateway.cleanup_ctx.append(metrics_server(gateway_settings))
        gateway_runner, gateway_port = await _serve(gateway, s.gateway_host, gateway_settings.gateway_port)
        self._runners.append(gateway_runner)
        self.gateway_url = f"http://{s.gateway_host}:{gateway_port}"
        self.dashboard_url = f"http://{s.dashboard_host}:{s.dashboard_port}/app"

        self.sandbox_state = SandboxState(event_handler_url=f"{self.gateway_url}/b24/events")
        sandbox_runner, _ = await _serve(create_sandbox_app(self.sandbox_state), "127.0.0.1",
                                         int(self.sandbox_url.rsplit(":", 1)[1]))
        self._runners.append(sandbox_runner)
        self.sandbox_state.base_url = self.sandbox_url

        # The token agent (in the worker) stores the install, so the worker runs first; then
        # the sandbox installs the app the way Bitrix24 does: it POSTs the install callback.
        self.on_step(START_STEPS[3])
        self.start_worker()
        await self.wait_worker_ready()
        self.on_step(START_STEPS[4])
        await self.install_app()
        return self

    async def install_app(self, form: str = "event", attempts: int = 3) -> dict:
        """The sandbox POSTs the install callback (`event`: ONAPPINSTALL form, `frame`: the app
        frame with AUTH_ID) to the gateway, which verifies it, stores the portal and sets it up.
        A 503 (the token agent did not answer in time) is posted again, as an admin would."""
        async with aiohttp.ClientSession() as http:
            for attempt in range(attempts):
                async with http.post(f"{self.sandbox_url}/_sandbox/install",
                                     json={"handler_url": f"{self.gateway_url}/b24/install", "form": form}) as resp:
                    resp.raise_for_status()
                    outcome = await resp.json()
                if outcome["status"] != 503 or attempt == attempts - 1:
                    break
                log.warning("install answered 503 (%s); posting it again", install_outcome(outcome["body"])["error"])
                await asyncio.sleep(2.0)
        if outcome["status"] != 200:
            raise RuntimeError(f"install refused by the gateway: {outcome['body']}")
        return install_outcome(outcome["body"])

    def _spawn_worker(self, settings: Settings) -> subprocess.Popen:
        """`aica worker` with these settings, logging to <data_dir>/worker.log (the child keeps
        its own copy of the file descriptor, so ours is closed at once)."""
        env = {**os.environ, **settings_env(settings)}
        if self.worker_stages:
            env["AICA_WORKER_STAGES"] = self.worker_stages
        log_path = Path(settings.data_dir) / "worker.log"
        with open(log_path, "ab") as log_file:
            worker = subprocess.Popen([sys.executable, "-m", "aica.cli", "worker"], env=env,
                                      stdout=log_file, stderr=subprocess.STDOUT)
        log.info("worker pid %s, log %s", worker.pid, log_path)
        return worker

    def start_worker(self) -> None:
        self.worker = self._spawn_worker(self.settings)

    async def wait_worker_ready(self, timeout_s: float = 120.0) -> None:
        """Until our worker owns its partitions (startup, model loads and joining done)."""
        from streams.app import worker_client_id
        from streams.offsets import group_is_stable
        deadline = asyncio.get_running_loop().time() + timeout_s
        ours = worker_client_id(self.worker.pid) if self.worker else None
        while not await asyncio.to_thread(group_is_stable, self.settings, self.settings.consumer_group,
                                          5.0, ours):
            if not self.worker_alive():
                raise RuntimeError("the worker exited; see worker.log in the data directory")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("the worker did not join its consumer group")
            await asyncio.sleep(0.5)

    def start_extra_worker(self, name: str) -> subprocess.Popen:
        """One more worker process in the same consumer group (scale-out tests). Its own data_dir,
        since chdb may be opened by one process only; the same blob store and secret key."""
        key = self.settings.secret_key or (Path(self.settings.data_dir) / "secret.key").read_text().strip()
        extra = self.settings.model_copy(update={
            "data_dir": Path(self.settings.data_dir) / name, "secret_key": key,
            "blob_dir": self.settings.resolved_blob_dir})
        extra.data_dir.mkdir(parents=True, exist_ok=True)
        worker = self._spawn_worker(extra)
        self.extra_workers.append(worker)
        return worker

    async def add_sandbox_portal(self):
        """Another sandbox portal (own member_id, tokens, CRM and server) installed on this stack,
        sending its events to the same gateway. Returns its SandboxState."""
        from catalog.projects import load_catalog
        from bitrix.fields import ensure_fields, wanted_fields
        from sandbox.portal import create_sandbox_app
        from sandbox.state import SandboxState
        state = SandboxState(event_handler_url=f"{self.gateway_url}/b24/events")
        runner, port = await _serve(create_sandbox_app(state), "127.0.0.1", 0)
        self._runners.append(runner)
        state.base_url = f"http://127.0.0.1:{port}"
        # Registered directly (the gateway trusts only the first sandbox's OAuth server), then
        # its fields are created as the install's setup would.
        from bitrix.client import RestClient
        portal = state.installation()
        await self.portals.put(portal)
        async with aiohttp.ClientSession() as session:
            await ensure_fields(RestClient(session, self.portals, self.settings), portal.member_id,
                                wanted_fields(load_catalog(self.settings)))
        return state

    async def wait_dashboard_ready(self, timeout_s: float = 120.0) -> None:
        """Until the worker's dashboard answers /app/healthz."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"{self.dashboard_url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if not self.worker_alive():
                    raise RuntimeError("the worker exited; see worker.log in the data directory")
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("the dashboard did not come up")
                await asyncio.sleep(0.3)

    def worker_alive(self) -> bool:
        return self.worker is not None and self.worker.poll() is None

    def stop_worker(self, kill: bool = False, timeout: float | None = None) -> int | None:
        """SIGTERM (or SIGKILL), then wait; past the worker's own grace period (after which it
        exits by itself) and a little more, kill it."""
        timeout = self.settings.shutdown_grace_s + 5 if timeout is None else timeout
        if self.worker is None or self.worker.poll() is not None:
            return self.worker.returncode if self.worker else None
        self.worker.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            return self.worker.wait(timeout)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            return self.worker.wait(10)

    async def stop(self) -> None:
        """Everything `start` started, in reverse, each step bounded by the grace period."""
        grace = self.settings.shutdown_grace_s
        for extra in self.extra_workers:
            if extra.poll() is None:
                extra.terminate()
        await asyncio.to_thread(self.stop_worker)
        for extra in self.extra_workers:
            try:
                await asyncio.to_thread(extra.wait, grace + 5)
            except subprocess.TimeoutExpired:
                extra.kill()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.portals is not None:
            await asyncio.to_thread(self.portals.stop)
        if self.portal_settings is not None:
            await asyncio.to_thread(self.portal_settings.stop)
        if self._broker_starting is not None and not self._broker_starting.done():
            await asyncio.wait([self._broker_starting], timeout=60)
        if self.broker is not None:
            await asyncio.to_thread(self.broker.stop, grace)
