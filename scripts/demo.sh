#!/usr/bin/env bash
# The project's run command (README): install what is missing, then the embedded stack with
# sample calls: local Kafka broker, sandbox Bitrix24 portal, gateway, worker, in-process ClickHouse.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
export HF_HUB_OFFLINE=1
exec .venv/bin/aica demo "$@"
