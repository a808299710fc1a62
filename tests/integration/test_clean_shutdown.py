"""SIGTERM to `aica run` stops everything it started (the broker, the worker child, the gateway
and sandbox it serves) within a bounded grace period, and leaves no process behind. While it
runs, the gateway, worker and dashboard each answer /metrics with what they did."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port

pytestmark = [pytest.mark.integration]
GRACE_S = 8


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (by the parent pid each one names in /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def broker_port() -> int:
    """A free port whose next one (the broker's controller port) is free too."""
    while True:
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def scrape(url: str, until: str = "", timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        with urllib.request.urlopen(url, timeout=5) as response:
            text = response.read().decode()
        if until in text or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_to_aica_run_leaves_no_process_behind(tmp_path):
    port, gateway, dashboard, worker_metrics, gateway_metrics_port = (broker_port(), free_port(), free_port(),
                                                                       free_port(), free_port())
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "AICA_DATA_DIR": str(tmp_path / "var"),
           "AICA_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}", "AICA_GATEWAY_PORT": str(gateway),
           "AICA_DASHBOARD_PORT": str(dashboard), "AICA_WORKER_METRICS_PORT": str(worker_metrics),
           "AICA_GATEWAY_METRICS_PORT": str(gateway_metrics_port),
           "AICA_SHUTDOWN_GRACE_S": str(GRACE_S), "AICA_TOPIC_PARTITIONS": "2", "AICA_LOG_FORMAT": "json",
           # no model stage: start-up in seconds; the processes are what this test is about
           "AICA_WORKER_STAGES": "ingest,crm,clickhouse,retry,tokens,parked,dashboard"}
    run = subprocess.Popen([sys.executable, "-m", "aica.cli", "run", "--loglevel", "info"], cwd=REPO, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started: set[int] = set()
    output: list[str] = []
    try:
        deadline = time.monotonic() + 75
        for line in run.stdout:  # blocks until the stack prints its addresses (or exits)
            output.append(line)
            started |= descendants(run.pid)
            if "Ctrl-C to stop" in line or time.monotonic() > deadline:
                break
        started |= descendants(run.pid)
        assert run.poll() is None, "aica run exited during start-up:\n" + "".join(output[-30:])
        broker_pid = int((tmp_path / "var" / "kafka" / "broker.pid").read_text())
        worker_pids = {p for p in started if b"aica.cli\x00worker" in Path(f"/proc/{p}/cmdline").read_bytes()}
        assert broker_pid in started and worker_pids, (started, broker_pid)

        # While it runs: each process's /metrics. The install's REST calls went out from the
        # gateway (aica run itself); the worker measured its group's lag at start.
        gateway_metrics = scrape(f"http://127.0.0.1:{gateway_metrics_port}/metrics")
        assert re.search(r'aica_rest_calls_total\{outcome="ok",portal="[0-9a-f]{32}"\} [1-9]', gateway_metrics)
        worker = scrape(f"http://127.0.0.1:{worker_metrics}/metrics", until="aica_consumer_lag{")
        assert re.search(r'aica_consumer_lag\{group="aica-worker",topic="b24.events.v1"\} 0.0', worker)
        assert "# TYPE aica_stage_seconds histogram" in worker
        # Not on the public ports: the REST metrics name every customer portal.
        for public in (f"http://127.0.0.1:{gateway}/metrics", f"http://127.0.0.1:{dashboard}/app/metrics",
                       f"http://127.0.0.1:{gateway}/app/metrics"):
            assert http_status(public) == 404, public

        sent_at = time.monotonic()
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=3 * GRACE_S + 15)
        took = time.monotonic() - sent_at
        left = {p for p in started | {broker_pid} if alive(p)}
        assert not left, f"still running after SIGTERM: {left}"
        assert took < 3 * GRACE_S + 15
        print(f"stopped {len(started)} processes in {took:.1f}s")
        assert not (tmp_path / "var" / "kafka" / "broker.pid").exists()
        # AICA_LOG_FORMAT=json: both processes logged JSON lines, and nothing raw from librdkafka.
        output.extend(run.stdout.read().splitlines(keepends=True))
        logged = [json.loads(line) for line in output if line.startswith("{")]
        assert any(entry["logger"] == "gateway.install" for entry in logged), "".join(output[-20:])
        worker_log = (tmp_path / "var" / "worker.log").read_text().splitlines()
        assert any(json.loads(line).get("logger", "").startswith("faust") for line in worker_log
                   if line.startswith("{"))
        assert not [line for line in output + worker_log if "rdkafka#" in line and "{" not in line[:1]]
    finally:
        if run.poll() is None:
            run.kill()
        for pid in started:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
