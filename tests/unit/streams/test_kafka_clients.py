"""librdkafka's own lines go through Python logging (never raw on stderr), connection noise at DEBUG."""
import logging
import socket
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from streams.kafka_clients import kafka_config, quieter_level


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"  # nothing listens once the socket is closed


def test_clients_against_a_closed_port_print_nothing_raw(capfd, caplog):
    bootstrap = closed_port()
    caplog.set_level(logging.DEBUG, logger="rdkafka")
    producer = Producer(kafka_config(bootstrap, **{"message.timeout.ms": 1000}))
    producer.produce("nowhere", b"x")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        producer.poll(0.1)
    assert producer.flush(0.5) == 0  # the record failed (timed out) and was reported, not hung
    consumer = Consumer(kafka_config(bootstrap, **{"group.id": "nobody"}))
    consumer.subscribe(["nowhere"])
    consumer.poll(0.5)
    consumer.close()
    admin = AdminClient(kafka_config(bootstrap))
    try:
        admin.list_topics(timeout=0.5)
    except Exception:
        pass
    out, err = capfd.readouterr()
    assert "rdkafka#" not in err and "%3|" not in err and "%4|" not in err, err[:500]
    assert "Connection refused" not in err
    refused = [r for r in caplog.records if r.name == "rdkafka" and "Connection refused" in r.getMessage()]
    assert refused, "librdkafka's connection failures reach Python logging"
    assert all(r.levelno == logging.DEBUG for r in refused)


def test_only_connection_noise_is_quietened():
    assert quieter_level(logging.ERROR, "FAIL", "Connect to ipv4#127.0.0.1:1 failed: Connection refused") == logging.DEBUG
    assert quieter_level(logging.ERROR, "FAIL", "SSL handshake failed: certificate verify failed") == logging.ERROR
    assert quieter_level(logging.WARNING, "CONFWARN", "Configuration property x is ignored") == logging.WARNING


def test_every_client_in_the_code_is_built_from_kafka_config():
    """So nobody forgets the logger: each Producer/Consumer/AdminClient takes kafka_config(...)
    (or the gateway's producer_config, which is built on it)."""
    import re

    from tests.conftest import REPO
    made_bare = []
    for path in REPO.glob("**/*.py"):
        if ".venv" in path.parts or ".cache" in path.parts:
            continue
        for match in re.finditer(r"\b(Producer|Consumer|AdminClient)\((?!kafka_config\(|producer_config\()",
                                 path.read_text()):
            made_bare.append(f"{path.relative_to(REPO)}: {match.group(0)}")
    assert made_bare == []
