#!/usr/bin/env bash
# The project's test command (README, CI): install what is missing, then every test,
# the integration tests against a real local Kafka broker included.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
export HF_HUB_OFFLINE=1

status=0
.venv/bin/python -m pytest -q -ra --durations=15 "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; that is a failure" >&2
    exit 1
fi
exit "$status"
