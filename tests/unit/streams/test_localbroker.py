"""Local broker bookkeeping without starting Java: properties, cluster id, pid file, stop()."""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from streams.localbroker import (
    BrokerError, LocalBroker, broker_from_settings, ensure_jars, file_sha256, is_broker_process,
    new_cluster_id, read_pid, render_properties, server_properties,
)

SLEEPER = "import signal, sys, time; {setup}; print('ready', flush=True); time.sleep(120)"


def parse_properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def spawn_stand_in(properties_file: Path, ignore_sigterm: bool = False) -> subprocess.Popen[str]:
    """A process whose command line names the properties file, as the java broker's does."""
    setup = "signal.signal(signal.SIGTERM, signal.SIG_IGN)" if ignore_sigterm else "pass"
    process = subprocess.Popen([sys.executable, "-c", SLEEPER.format(setup=setup), str(properties_file)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"  # handlers installed before we signal
    return process


@pytest.fixture
def stand_in_broker(tmp_path):
    broker = LocalBroker(tmp_path / "kafka", port=39092)
    broker.data_dir.mkdir(parents=True)
    processes: list[subprocess.Popen[str]] = []

    def start(ignore_sigterm: bool = False) -> subprocess.Popen[str]:
        process = spawn_stand_in(broker.properties_file, ignore_sigterm)
        processes.append(process)
        broker.pid_file.write_text(f"{process.pid}\n")
        return process

    yield broker, start
    for process in processes:
        process.kill()
        process.wait()


def test_properties_wire_broker_and_controller_listeners(tmp_path):
    props = parse_properties(render_properties(server_properties(31000, 31007, tmp_path / "logs")))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:31000,CONTROLLER://127.0.0.1:31007"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:31000"
    assert props["controller.quorum.voters"] == f"{props['node.id']}@127.0.0.1:31007"
    assert props["process.roles"] == "broker,controller"
    assert props["log.dirs"] == str(tmp_path / "logs")
    mapped = dict(pair.split(":") for pair in props["listener.security.protocol.map"].split(","))
    assert props["controller.listener.names"] in mapped


def test_properties_fit_a_single_node(tmp_path):
    props = server_properties(31000, 31001, tmp_path)
    for key in ("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "share.coordinator.state.topic.replication.factor", "transaction.state.log.min.isr",
                "share.coordinator.state.topic.min.isr"):
        assert props[key] == "1", key
    assert props["auto.create.topics.enable"] == "false"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert int(props["log.retention.hours"]) > 0


def test_cluster_ids_are_random_16_byte_uuids():
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cluster_id in ids:
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_read_pid(tmp_path):
    pid_file = tmp_path / "broker.pid"
    assert read_pid(pid_file) is None
    pid_file.write_text("not a pid\n")
    assert read_pid(pid_file) is None
    pid_file.write_text("4242\n")
    assert read_pid(pid_file) == 4242


def test_is_broker_process_matches_the_properties_file_and_liveness(tmp_path):
    properties_file = tmp_path / "server.properties"
    process = spawn_stand_in(properties_file)
    try:
        assert is_broker_process(process.pid, properties_file)
        assert not is_broker_process(process.pid, tmp_path / "other" / "server.properties")
        process.terminate()
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, left as a zombie
        assert not is_broker_process(process.pid, properties_file)
    finally:
        process.kill()
        process.wait()


def test_status_reports_the_recorded_process(stand_in_broker):
    broker, start = stand_in_broker
    assert not broker.status().running
    process = start()
    state = broker.status()
    assert state.running and state.pid == process.pid
    assert state.bootstrap == "127.0.0.1:39092"


def test_stop_from_another_instance_terminates_and_forgets_the_pid(stand_in_broker):
    broker, start = stand_in_broker
    process = start()
    LocalBroker(broker.data_dir, port=broker.port).stop(timeout=10)
    assert process.wait(timeout=10) == -signal.SIGTERM
    assert not broker.pid_file.exists()
    assert not broker.status().running


def test_stop_kills_a_broker_that_ignores_sigterm(stand_in_broker):
    broker, start = stand_in_broker
    process = start(ignore_sigterm=True)
    broker.stop(timeout=0.5)
    assert process.wait(timeout=10) == -signal.SIGKILL
    assert not broker.pid_file.exists()


def test_stale_pid_file_is_not_running(stand_in_broker):
    broker, start = stand_in_broker
    process = start()
    process.kill()
    process.wait()
    assert not broker.status().running
    broker.stop()  # nothing to signal; just forgets the pid
    assert not broker.pid_file.exists()


def test_start_refuses_a_port_served_by_someone_else(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        broker = LocalBroker(tmp_path / "kafka", port=port, cache_dir=tmp_path / "cache")
        with pytest.raises(BrokerError, match=str(port)):
            broker.start(timeout=5)
    assert not broker.pid_file.exists()


def test_ensure_jars_reuses_a_cache_built_from_the_same_pom(tmp_path, monkeypatch):
    pom = tmp_path / "pom.xml"
    pom.write_text("<project/>")
    libs_dir = tmp_path / "cache" / "kafka-libs"
    libs_dir.mkdir(parents=True)
    (libs_dir / ".pom-sha256").write_text(file_sha256(pom) + "\n")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # running mvn would fail
    assert ensure_jars(tmp_path / "cache", pom) == libs_dir


def test_ensure_jars_refetches_when_the_pom_changed(tmp_path, monkeypatch):
    pom = tmp_path / "pom.xml"
    pom.write_text("<project/>")
    libs_dir = tmp_path / "cache" / "kafka-libs"
    libs_dir.mkdir(parents=True)
    (libs_dir / ".pom-sha256").write_text(file_sha256(pom) + "\n")
    pom.write_text("<project><!-- another kafka version --></project>")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(FileNotFoundError, match="mvn"):
        ensure_jars(tmp_path / "cache", pom)


def test_broker_from_settings_uses_the_bootstrap_port(settings_factory):
    settings = settings_factory(kafka_bootstrap="127.0.0.1:29555")
    broker = broker_from_settings(settings)
    assert broker.port == 29555
    assert broker.bootstrap == settings.kafka_bootstrap
    assert broker.data_dir == (settings.data_dir / "kafka").resolve()
