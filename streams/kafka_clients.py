"""Every confluent-kafka client (Producer, Consumer, AdminClient) is configured here, so none
forgets the one thing they all need: librdkafka's own log lines go through Python logging.

Without a `logger` librdkafka prints straight to stderr (`%3|...|FAIL|rdkafka#producer-1| ...
Connection refused`), dozens of lines whenever a broker stops before its clients do. With one,
they are forwarded on the client's poll()/flush() as records of the `rdkafka` logger, and the
connection noise a stopped broker causes is logged at DEBUG: what matters (a delivery that
failed, a broker that never answers) reaches the caller as an error or a timeout anyway."""
from __future__ import annotations

import logging
import re
from typing import Any

from confluent_kafka import KafkaError

log = logging.getLogger("rdkafka")

# librdkafka facilities and texts that only say a broker is (still) unreachable.
_CONNECTION_NOISE = re.compile(
    r"Connection refused|Disconnected|all brokers? (are )?down|Connect to ipv[46]#|"
    r"failed: Connection|Broker transport failure|No route to host|timed out", re.IGNORECASE)
_NOISY_FACILITIES = frozenset({"FAIL", "ERROR", "BROKERFAIL", "CONNECT", "REQTMOUT"})


def quieter_level(level: int, facility: str, text: str) -> int:
    """The level a librdkafka line is logged at: connection noise drops to DEBUG."""
    if facility.upper() in _NOISY_FACILITIES and _CONNECTION_NOISE.search(text):
        return logging.DEBUG
    return level


class RdkafkaLogger:
    """What confluent-kafka calls as `logger.log(level, fmt, facility, client, text)`."""

    def __init__(self, target: logging.Logger = log) -> None:
        self.target = target

    def log(self, level: int, fmt: str, *args: Any) -> None:
        facility = str(args[0]) if args else ""
        text = str(args[-1]) if args else fmt
        self.target.log(quieter_level(level, facility, text), fmt, *args)


RDKAFKA_LOGGER = RdkafkaLogger()


def on_client_error(error: KafkaError) -> None:
    """librdkafka's asynchronous errors (error_cb): transport failures are retried by the client
    itself, so they are a DEBUG line; anything else a WARNING."""
    transport = error.code() in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN,
                                 KafkaError._RESOLVE)
    log.log(logging.DEBUG if transport else logging.WARNING, "kafka client: %s", error)


def kafka_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    """A client config: bootstrap, our logger and error callback, then the caller's own keys
    (dotted librdkafka names passed as a dict: `kafka_config(b, **{"group.id": "x"})`)."""
    return {"bootstrap.servers": bootstrap, "logger": RDKAFKA_LOGGER, "error_cb": on_client_error,
            **extra}
