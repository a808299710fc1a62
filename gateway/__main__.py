"""`python -m gateway`: serve with settings from AICA_* and portals from the control-plane topic."""
from __future__ import annotations

from gateway.app import run_gateway
from control.portals import KafkaPortals
from streams.logs import configure_logging
from streams.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging("info", settings.log_format)
    portals = KafkaPortals(settings).start()
    try:
        run_gateway(settings, portals)
    finally:
        portals.stop()


if __name__ == "__main__":
    main()
