"""docker-compose.yml must parse and wire the services the way the app reads its settings."""
from __future__ import annotations

import os
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
    return subprocess.run(["docker-compose", "-f", str(COMPOSE_FILE), "--profile", "demo", *args],
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


def test_dockerfile_installs_the_package_on_python_311():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "pip install --no-deps ." in dockerfile
