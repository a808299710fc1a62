# One image for the gateway, the worker and the sandbox portal (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    AICA_DATA_DIR=/data

# No apt packages: PyAV wheels bundle ffmpeg, and every dependency ships manylinux wheels.
WORKDIR /app

# Dependencies first, from pyproject alone, so code changes do not reinstall ~1 GB of wheels.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app aica \
    && mkdir -p /data/blobs \
    && chown -R aica /data  # empty named volumes take this ownership on first mount

USER aica
VOLUME ["/data"]
EXPOSE 8080
CMD ["aica", "--help"]
