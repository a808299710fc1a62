"""What sealing a calls.redacted.v1 record costs (streams.sealing, crypto-shredding): per record,
Avro encode + decode alone (the baseline, measured in the same run) beside Avro + AES-256-GCM seal
+ unseal, for a realistic redacted 5-minute call, and the bytes the envelope adds.

    .venv/bin/python -m bench.sealing_cost [--records 2000] [--segments 80]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas import registry
from streams.sealing import RecordCodec
from streams.settings import Settings
from streams.topics import Topic

RECORD = "aica.RedactedTranscript"
ROUNDS = 7
LINE = ("thank you for calling <PERSON> from Northwind Energy, I can see the second charge on your "
        "account and I have issued a refund that arrives within three working days")


class OneKey:
    """A single portal key in memory (PortalKeys keeps the same, wrapped, on a compacted topic)."""

    def __init__(self) -> None:
        self.key_id, self.aead = os.urandom(8), AESGCM(AESGCM.generate_key(bit_length=256))

    def key(self, member_id: str, key_id: bytes) -> AESGCM | None:
        return self.aead if key_id == self.key_id else None

    def key_for_writing(self, member_id: str) -> tuple[bytes, AESGCM]:
        return self.key_id, self.aead


def call(segments: int) -> dict:
    words = [{"start": 0.1 * i, "end": 0.1 * i + 0.08, "word": w, "probability": 0.9}
             for i, w in enumerate(LINE.split())]
    return {"context": {"call_id": "bench.1", "member_id": "benchportal", "domain": "bench.example",
                        "activity_id": 1, "project": "support-en", "language": "en", "direction": "incoming",
                        "versions": {"asr": "tiny.en", "redaction": "en-1"}},
            "audio_uri": "blob://benchportal/bench.1/recording.wav", "language": "en",
            "audio_duration_s": 300.0, "channels": 2, "entities": [], "redacted_at": 0,
            "segments": [{"start": 3.7 * i, "end": 3.7 * i + 3.5, "speaker": ("agent", "client")[i % 2],
                          "text": LINE, "words": words} for i in range(segments)]}


def per_record_us(fn, n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - began) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--segments", type=int, default=80, help="segments per call (80 ~ a 5-minute call)")
    args = parser.parse_args()
    settings = Settings(topic_prefix="")
    codec = RecordCodec(settings, OneKey)
    topic = settings.topic(Topic.REDACTED)
    record = call(args.segments)
    plain, sealed = registry.encode(RECORD, record), codec.encode(topic, RECORD, record)
    assert codec.decode(topic, RECORD, sealed) == registry.decode(RECORD, plain)

    aead = OneKey().aead
    runs = {"baseline": lambda: registry.decode(RECORD, registry.encode(RECORD, record)),
            "sealed": lambda: codec.decode(topic, RECORD, codec.encode(topic, RECORD, record)),
            "crypto": lambda: aead.decrypt(b"\0" * 12, aead.encrypt(b"\0" * 12, plain, b"ad"), b"ad")}
    # Interleaved rounds, median per kind: on a shared machine, load drifts during a run.
    rounds = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, fn in runs.items():
            rounds[name].append(per_record_us(fn, max(args.records // ROUNDS, 1)))
    baseline, with_seal, crypto_only = (statistics.median(rounds[name]) for name in runs)
    print(f"record: {len(plain)} bytes Avro, {len(sealed)} bytes sealed (+{len(sealed) - len(plain)}), "
          f"{args.segments} segments, {args.records} round trips")
    print(f"baseline  Avro encode+decode          {baseline:8.1f} us/record")
    print(f"sealed    Avro + AES-GCM seal+unseal  {with_seal:8.1f} us/record "
          f"(+{with_seal - baseline:.1f} us, +{(with_seal / baseline - 1) * 100:.0f} %)")
    print(f"AES-GCM alone, encrypt+decrypt        {crypto_only:8.1f} us/record")


if __name__ == "__main__":
    main()
