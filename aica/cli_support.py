"""What every `aica` subcommand shares: the one Settings object from the environment, and logging
configured from it (text, or JSON with AICA_LOG_FORMAT=json)."""
from __future__ import annotations

from streams.settings import Settings


def cli_settings() -> Settings:
    return Settings()


def cli_logging(level: str) -> None:
    from streams.logs import configure_logging
    configure_logging(level, cli_settings().log_format)
