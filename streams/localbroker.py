"""A real single-node Apache Kafka (KRaft) broker without Docker: jars from Maven Central,
one `java` child process per data directory, pid kept on disk so any process can stop it.

About 300 lines on purpose: fetching the jars, formatting storage, starting, health-checking and
stopping one broker are one job that nothing else shares, and the CLI entry is a few lines."""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from streams.settings import Settings
from streams.kafka_clients import kafka_config

REPO_ROOT = Path(__file__).resolve().parent.parent
BROKER_POM = REPO_ROOT / "scripts" / "kafka" / "pom.xml"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache"
# Measured on 2 cores: serial GC + C1 only cut start-up from ~4.5 s to ~3.5 s; a dev broker
# never runs long enough to miss C2. The class-data archive (CDS) takes it to ~2 s.
JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Djava.awt.headless=true")


class BrokerError(RuntimeError):
    pass


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_jars(cache_dir: Path = DEFAULT_CACHE_DIR, pom: Path = BROKER_POM) -> Path:
    """Broker classpath folder; fetched by Maven only when missing or built from another pom."""
    if not pom.is_file():
        raise BrokerError(f"{pom} not found: the local broker needs a source checkout")
    libs_dir = cache_dir / "kafka-libs"
    marker = libs_dir / ".pom-sha256"
    wanted = file_sha256(pom)
    if marker.is_file() and marker.read_text().strip() == wanted:
        return libs_dir
    partial = cache_dir / "kafka-libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    fetch = subprocess.run(
        ["mvn", "-q", "-B", "dependency:copy-dependencies", "-DincludeScope=runtime",
         f"-DoutputDirectory={partial}", "-f", str(pom)],
        capture_output=True, text=True,
    )
    if fetch.returncode != 0:
        raise BrokerError(f"mvn could not fetch the broker jars:\n{fetch.stdout[-3000:]}{fetch.stderr[-3000:]}")
    (partial / ".pom-sha256").write_text(wanted + "\n")
    shutil.rmtree(libs_dir, ignore_errors=True)
    partial.rename(libs_dir)  # a crash before this leaves no half-filled libs_dir behind
    cds_archive_path(cache_dir).unlink(missing_ok=True)  # recorded the old jars
    return libs_dir


def cds_archive_path(cache_dir: Path) -> Path:
    return cache_dir / "kafka-broker.jsa"


def server_properties(port: int, controller_port: int, log_dir: Path) -> dict[str, str]:
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "4",
        "auto.create.topics.enable": "false",  # topics come from schemas/topics.yaml, typos fail
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",  # consumers in tests get partitions at once
        "log.retention.hours": "168",
        "log.segment.bytes": str(64 * 1024 * 1024),
    }


def new_cluster_id() -> str:
    """What `StorageTool random-uuid` prints (url-safe base64 of a random UUID), without
    paying a JVM start for it."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):  # Kafka avoids these: they read as CLI flags
            return cluster_id


def render_properties(properties: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in properties.items())


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def is_broker_process(pid: int, properties_file: Path) -> bool:
    """True while `pid` is a live process started with this properties file (a reused pid has
    another command line)."""
    if Path("/proc/self").exists():
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state in ("Z", "X"):  # exited, not yet reaped by its parent
            return False
        # The java launcher re-executes itself once: the command line is empty meanwhile.
        return not argv or str(properties_file).encode() in argv.split(b"\0")
    try:  # no /proc (macOS): trust the pid
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def port_accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def answers_metadata(bootstrap: str, timeout: float = 2.0) -> bool:
    admin = AdminClient(kafka_config(bootstrap))
    try:
        admin.list_topics(timeout=timeout)
        return True
    except Exception:  # KafkaException while the broker is still coming up
        return False


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    log_file: Path


class LocalBroker:
    def __init__(self, data_dir: Path, port: int = 19092, controller_port: int | None = None,
                 heap: str = "512m", cache_dir: Path = DEFAULT_CACHE_DIR) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port or port + 1
        self.heap = heap
        self.cache_dir = cache_dir
        self.properties_file = self.data_dir / "server.properties"
        self.pid_file = self.data_dir / "broker.pid"
        self.log_file = self.data_dir / "broker.log"
        self.kafka_log_dir = self.data_dir / "kafka-logs"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def status(self) -> BrokerStatus:
        pid = read_pid(self.pid_file)
        running = pid is not None and is_broker_process(pid, self.properties_file)
        return BrokerStatus(running, pid if running else None, self.bootstrap, self.log_file)

    def start(self, timeout: float = 60) -> LocalBroker:
        if self.status().running:  # served from this data dir already: adopt it
            self._wait_ready(timeout)
            return self
        for port in (self.port, self.controller_port):
            if port_accepts(port):
                raise BrokerError(f"port {port} is taken by a process that is not this broker")
        libs_dir = ensure_jars(self.cache_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = server_properties(self.port, self.controller_port, self.kafka_log_dir)
        self.properties_file.write_text(render_properties(props))
        self._format_storage_once(libs_dir)
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                ["java", f"-Xmx{self.heap}", *JVM_FLAGS, *self._cds_flags(),
                 "-cp", f"{libs_dir}/*", "kafka.Kafka", str(self.properties_file)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives `aica broker start` and its terminal
            )
        self.pid_file.write_text(f"{self._process.pid}\n")
        self._wait_ready(timeout)
        return self

    def stop(self, timeout: float = 30) -> None:
        pid = read_pid(self.pid_file)
        if pid is not None and is_broker_process(pid, self.properties_file):
            os.kill(pid, signal.SIGTERM)
            if not self._wait_exit(pid, timeout):
                os.kill(pid, signal.SIGKILL)
                self._wait_exit(pid, 10)
            else:
                self._keep_cds_archive()
        if self._process is not None:
            self._process.wait()  # reap our own child
            self._process = None
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def _format_storage_once(self, libs_dir: Path) -> None:
        if (self.kafka_log_dir / "meta.properties").exists():
            return
        cluster_id_file = self.data_dir / "cluster.id"
        if not cluster_id_file.exists():
            cluster_id_file.write_text(new_cluster_id() + "\n")
        result = subprocess.run(
            ["java", *JVM_FLAGS, *self._cds_flags(record=False), "-cp", f"{libs_dir}/*",
             "kafka.tools.StorageTool", "format",
             "-t", cluster_id_file.read_text().strip(), "-c", str(self.properties_file)],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise BrokerError(f"storage format failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def _cds_flags(self, record: bool = True) -> list[str]:
        archive = cds_archive_path(self.cache_dir)
        if archive.exists():
            return [f"-XX:SharedArchiveFile={archive}"]
        if not record:
            return []
        # The first run records the classes it loads; stop() publishes the archive.
        return [f"-XX:ArchiveClassesAtExit={self.data_dir / 'broker.jsa.partial'}"]

    def _keep_cds_archive(self) -> None:
        partial = self.data_dir / "broker.jsa.partial"
        if partial.exists():  # written by the JVM at a clean exit only
            os.replace(partial, cds_archive_path(self.cache_dir))

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            exited = self._process.poll() is not None if self._process else not self.status().running
            if exited:
                raise BrokerError(f"broker exited during start-up; log tail:\n{self.log_tail()}")
            if port_accepts(self.port) and answers_metadata(self.bootstrap):
                return
            time.sleep(0.2)
        raise BrokerError(f"broker not ready after {timeout} s; log tail:\n{self.log_tail()}")

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None:
                self._process.poll()  # reap, or our own child lingers as a zombie
            if not is_broker_process(pid, self.properties_file):
                return True
            time.sleep(0.1)
        return False


def broker_from_settings(settings: Settings) -> LocalBroker:
    """The broker the embedded default talks to: port from AICA_KAFKA_BOOTSTRAP, data in
    AICA_DATA_DIR/kafka."""
    first_server = settings.kafka_bootstrap.split(",")[0]
    return LocalBroker(settings.data_dir / "kafka", port=int(first_server.rsplit(":", 1)[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m streams.localbroker")
    parser.add_argument("command", choices=["ensure", "start", "stop", "status"])
    command = parser.parse_args(argv).command
    if command == "ensure":
        print(ensure_jars())
        return 0
    broker = broker_from_settings(Settings())
    if command == "start":
        broker.start()
    elif command == "stop":
        broker.stop()
    state = broker.status()
    print(f"{'running' if state.running else 'stopped'} {state.bootstrap} pid={state.pid} log={state.log_file}")
    return 0 if state.running or command == "stop" else 1


if __name__ == "__main__":
    sys.exit(main())
