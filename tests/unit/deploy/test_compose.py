"""docker-compose.yml must parse and wire the services the way the app reads its settings."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yml"
SECRETS = {"AICA_SECRET_KEY": "test-key", "CLICKHOUSE_PASSWORD": "test-password"}


def compose(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: only what a developer's .env would provide.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **extra_env}
    return subprocess.run(["docker-compose", "-f", str(COMPOSE_FILE), "--profile", "demo", "--profile", "asr", *args],
                          capture_output=True, text=True, env=env, cwd=REPO)


def mount_sources(service: dict, target: str) -> set[str]:
    """Volumes mounted at `target`; compose v1 prints "source:target[:mode]", v2 prints mappings."""
    sources = set()
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, mounted_at = volume.split(":")[:2]
        else:
            source, mounted_at = volume.get("source"), volume["target"]
        if mounted_at == target:
            sources.add(str(source))
    return sources


needs_compose = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")


@needs_compose
def test_compose_file_is_valid():
    result = compose("config", "-q", **SECRETS)
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_to_run_without_secrets():
    result = compose("config", "-q")
    assert result.returncode != 0
    assert "AICA_SECRET_KEY" in result.stderr or "CLICKHOUSE_PASSWORD" in result.stderr


@needs_compose
def test_app_services_reach_kafka_clickhouse_and_share_blobs():
    result = compose("config", **SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"kafka", "clickhouse", "gateway", "worker", "sandbox"} <= services.keys()
    for name in ("gateway", "worker"):
        env = services[name]["environment"]
        assert env["AICA_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["AICA_CLICKHOUSE_DSN"].endswith("@clickhouse:8123")
        assert env["AICA_SECRET_KEY"] == SECRETS["AICA_SECRET_KEY"]
        assert set(services[name]["depends_on"]) >= {"kafka", "clickhouse"}
    blob_mounts = [mount_sources(services[name], services[name]["environment"]["AICA_BLOB_DIR"])
                   for name in ("gateway", "worker")]
    assert blob_mounts[0] and blob_mounts[0] == blob_mounts[1]
    assert services["sandbox"]["profiles"] == ["demo"]
    for name in ("kafka", "clickhouse", "gateway"):
        assert "healthcheck" in services[name]


def published(service: dict) -> set[tuple[str, int, int]]:
    """(host ip, published, target) of each port; compose v1 prints "ip:published:target" strings."""
    out = set()
    for port in service.get("ports", []):
        if isinstance(port, str):
            *ip, host_port, target = port.removesuffix("/tcp").split(":")
            out.add((ip[0] if ip else "", int(host_port), int(target)))
        else:
            out.add((port.get("host_ip", ""), int(port["published"]), int(port["target"])))
    return out


@pytest.fixture(scope="module")
def services() -> dict:
    result = compose("config", **SECRETS, AICA_PUBLIC_HOST="aica.example.com")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


@needs_compose
def test_one_public_origin_behind_the_tls_proxy(services):
    # Only the proxy is public (80 for ACME and redirects, 443); the gateway is reached through it.
    assert published(services["proxy"]) == {("", 80, 80), ("", 443, 443)}
    assert "ports" not in services["gateway"] and "8080" in [str(p) for p in services["gateway"]["expose"]]
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text()
    assert "{$AICA_PUBLIC_HOST}" in caddyfile and "reverse_proxy gateway:8080" in caddyfile
    assert services["proxy"]["environment"]["AICA_PUBLIC_HOST"] == "aica.example.com"
    assert {v.split(":")[1] for v in services["proxy"]["volumes"] if isinstance(v, str)} >= {"/data",
                                                                                              "/etc/caddy/Caddyfile"}
    # The gateway serves /b24/* and /app/* (the dashboard) and binds Bitrix24's handlers there.
    gateway = services["gateway"]
    assert gateway["command"] == ["aica", "gateway", "--dashboard"]
    assert gateway["environment"]["AICA_PUBLIC_URL"] == "https://aica.example.com"
    assert gateway["environment"]["AICA_FORWARDED_HOPS"] == "1"
    assert gateway["environment"]["AICA_CLICKHOUSE_DSN"].startswith("http://")  # so it may open ClickHouse
    # Other published ports stay on the host's loopback.
    for name in ("kafka", "sandbox"):
        assert all(ip == "127.0.0.1" for ip, _, _ in published(services[name])), name


@needs_compose
def test_workers_scale_and_asr_only_workers_share_the_group(services):
    from aica.worker import ALL_STAGES
    worker, asr = services["worker"], services["asr-worker"]
    # Scalable: no fixed name, no published port, no named volume shared at /data.
    for service in (worker, asr):
        assert "container_name" not in service and "ports" not in service
        assert mount_sources(service, "/data") == set()
        assert mount_sources(service, "/data/blobs") == mount_sources(services["gateway"], "/data/blobs")
        assert service["command"] == ["aica", "worker"]
    stages = worker["environment"]["AICA_WORKER_STAGES"].split(",")
    assert set(stages) == set(ALL_STAGES) - {"dashboard"}  # the dashboard is the gateway's
    assert asr["environment"]["AICA_WORKER_STAGES"] == "transcribe" and asr["profiles"] == ["asr"]


@needs_compose
def test_every_variable_of_the_compose_file_is_documented_in_env_example():
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    used |= set(re.findall(r"\{\$([A-Z0-9_]+)\}", (REPO / "deploy" / "Caddyfile").read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))
    assert used == documented
    # The example itself is a working .env once the two secrets are filled in.
    env = dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", (REPO / ".env.example").read_text(), re.MULTILINE))
    result = compose("config", "-q", **(env | SECRETS))
    assert result.returncode == 0, result.stderr


def test_dockerfile_installs_the_package_on_python_311():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install --no-deps ." in dockerfile
