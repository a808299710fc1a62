"""Log lines: plain text by default, one JSON object per line with `AICA_LOG_FORMAT=json`.

Every line logged while a stage handles a message carries that message's call id and portal
(`call_context` + `bind_call`, set by the stage loop; `CallContextFilter` adds them to each
record), so a call can be followed through the pipeline with one query in the log store."""
from __future__ import annotations

import logging
import logging.config
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CALL_ID: ContextVar[str | None] = ContextVar("aica_call_id", default=None)
MEMBER_ID: ContextVar[str | None] = ContextVar("aica_member_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(call_id)s %(member_id)s"
FORMATS = ("text", "json")


@contextmanager
def call_context() -> Iterator[None]:
    """A scope (one message in a stage) whose lines carry the call bound inside it."""
    call_token, member_token = CALL_ID.set(None), MEMBER_ID.set(None)
    try:
        yield
    finally:
        CALL_ID.reset(call_token)
        MEMBER_ID.reset(member_token)


def bind_call(call_id: str | None, member_id: str | None) -> None:
    CALL_ID.set(call_id)
    MEMBER_ID.set(member_id)


class CallContextFilter(logging.Filter):
    """Adds `call_id` and `member_id` (None outside a message) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.call_id = CALL_ID.get()
        record.member_id = MEMBER_ID.get()
        return True


def logging_config(level: str | int, log_format: str = "text") -> dict[str, Any]:
    """A logging.config.dictConfig for stderr (also handed to Faust's worker, which would
    otherwise install its own colour handler)."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {log_format!r}")
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    formatter: dict[str, Any] = {"format": TEXT_FORMAT}
    if log_format == "json":
        formatter = {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
                     "rename_fields": {"levelname": "level", "name": "logger", "asctime": "time"}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"call": {"()": CallContextFilter}},
        "formatters": {"main": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": sys.stderr,
                                "formatter": "main", "filters": ["call"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        # librdkafka's connection noise is DEBUG already (streams.kafka_clients); the rest shows.
        "loggers": {"rdkafka": {"level": max(level, logging.WARNING) if level > logging.DEBUG else level}},
    }


def configure_logging(level: str | int, log_format: str = "text") -> None:
    logging.config.dictConfig(logging_config(level, log_format))
