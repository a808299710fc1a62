"""`python -m gateway`: serve with settings from AICA_* and portals from the control-plane topic."""
from __future__ import annotations

import logging

from gateway.app import run_gateway
from control.portals import KafkaPortals
from streams.settings import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()
    portals = KafkaPortals(settings).start()
    try:
        run_gateway(settings, portals)
    finally:
        portals.stop()


if __name__ == "__main__":
    main()
