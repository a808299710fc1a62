"""Crypto-shredding: records of a topic marked `sealed` in topics.yaml are encrypted with their
portal's data key (AES-256-GCM, streams.portal_keys), so deleting that key on a clean uninstall
makes every stored copy unreadable: the topic itself (calls.redacted.v1 is kept forever), and the
retry, parked and dead-letter topics, which carry the same bytes.

Envelope, version 1 (the Avro record inside is unchanged, so stages never see it):

    A1 CA | 01 | n | member_id (n bytes, utf-8) | key id (8) | nonce (12) | AES-GCM(Avro bytes) + tag (16)

Associated data = logical topic name + NUL + the header, so a record cannot be moved to another
topic or portal, or pointed at another key, without failing authentication. Avro single-object
bytes (C3 01 ...) are still read as they are: records written before sealing stay readable."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas import registry
from streams.settings import Settings
from streams.topics import logical_name

MAGIC = b"\xa1\xca"
VERSION = 1
KEY_ID_BYTES = 8
NONCE_BYTES = 12


class Shredded(Exception):
    """The record's portal key is gone (clean uninstall): the record can never be read again; or,
    when writing, its portal is uninstalled, so it is not stored. Not a failure: skipped, counted."""

    def __init__(self, member_id: str, why: str = "its key was deleted") -> None:
        super().__init__(f"record of portal {member_id} is shredded ({why})")
        self.member_id = member_id


class KeySource(Protocol):
    def key(self, member_id: str, key_id: bytes) -> AESGCM | None: ...
    def key_for_writing(self, member_id: str) -> tuple[bytes, AESGCM]: ...


def is_sealed(data: bytes) -> bool:
    return data[:2] == MAGIC


def _header(member_id: str, key_id: bytes, nonce: bytes) -> bytes:
    member = member_id.encode()
    if not 0 < len(member) < 256 or len(key_id) != KEY_ID_BYTES or len(nonce) != NONCE_BYTES:
        raise ValueError("cannot seal: bad member id, key id or nonce length")
    return MAGIC + bytes([VERSION, len(member)]) + member + key_id + nonce


def parse_header(data: bytes) -> tuple[str, bytes, bytes, int]:
    """(member_id, key_id, nonce, offset of the ciphertext); SchemaError when malformed."""
    if len(data) < 4 or not is_sealed(data) or data[2] != VERSION:
        raise registry.SchemaError("not a sealed record of a known envelope version")
    n = data[3]
    end = 4 + n + KEY_ID_BYTES + NONCE_BYTES
    if n == 0 or len(data) < end + 16:
        raise registry.SchemaError("truncated sealed record")
    try:
        member_id = data[4:4 + n].decode()
    except UnicodeDecodeError:
        raise registry.SchemaError("sealed record with a malformed portal id") from None
    return member_id, data[4 + n:4 + n + KEY_ID_BYTES], data[4 + n + KEY_ID_BYTES:end], end


def seal(aead: AESGCM, key_id: bytes, member_id: str, topic: str, plain: bytes) -> bytes:
    header = _header(member_id, key_id, os.urandom(NONCE_BYTES))
    nonce = header[-NONCE_BYTES:]
    return header + aead.encrypt(nonce, plain, topic.encode() + b"\0" + header)


def unseal(keys: KeySource, topic: str, data: bytes) -> bytes:
    """The plain Avro bytes. Shredded when the portal's key is gone; SchemaError when the bytes
    were tampered with, or sealed for another topic or portal."""
    member_id, key_id, nonce, at = parse_header(data)
    aead = keys.key(member_id, key_id)
    if aead is None:
        raise Shredded(member_id)
    try:
        return aead.decrypt(nonce, data[at:], topic.encode() + b"\0" + data[:at])
    except InvalidTag:
        raise registry.SchemaError("sealed record fails authentication (tampered, or not of this topic)") from None


def record_portal(record: dict) -> str | None:
    return (record.get("context") or {}).get("member_id") or record.get("member_id")


class RecordCodec:
    """Avro encode/decode that seals records of `sealed` topics with their portal's key. The key
    source is made on first need (a compacted-topic view: stages that touch no sealed topic never
    start one)."""

    def __init__(self, settings: Settings, keys: Callable[[], KeySource]) -> None:
        self.settings, self._make_keys = settings, keys
        self._keys: KeySource | None = None
        self._lock = threading.Lock()
        # The worker sets this from its portal directory: a call still in flight when its portal
        # was uninstalled must not be sealed under a new key made after the old ones were deleted.
        self.uninstalled: Callable[[str], bool] = lambda member_id: False

    @property
    def keys(self) -> KeySource:
        with self._lock:  # one view, even when a stage thread and the loop ask at once
            if self._keys is None:
                self._keys = self._make_keys()
            return self._keys

    def sealed(self, topic: str) -> bool:
        return bool(registry.topics().get(logical_name(self.settings, topic), {}).get("sealed"))

    def encode(self, topic: str, record_name: str, record: dict) -> bytes:
        plain = registry.encode(record_name, record)
        if not self.sealed(topic):
            return plain
        member_id = record_portal(record)
        if not member_id:
            raise registry.SchemaError(f"a {record_name} for a sealed topic names no portal")
        if self.uninstalled(member_id):
            raise Shredded(member_id, "the portal is uninstalled")
        key_id, aead = self.keys.key_for_writing(member_id)
        return seal(aead, key_id, member_id, logical_name(self.settings, topic), plain)

    def shredded(self, data: bytes) -> bool:
        """Sealed bytes whose portal key is gone: nothing can ever read them."""
        if not is_sealed(data):
            return False
        member_id, key_id, _, _ = parse_header(data)
        return self.keys.key(member_id, key_id) is None

    def decode(self, topic: str, record_name: str, data: bytes) -> dict:
        """Sealed or plain (written before sealing) bytes; raises Shredded or SchemaError."""
        if is_sealed(data):
            data = unseal(self.keys, logical_name(self.settings, topic), data)
        return registry.decode(record_name, data)


_shared: dict[tuple, RecordCodec] = {}


def shared_codec(settings: Settings) -> RecordCodec:
    """One codec (and one key view) per process and deployment: every stage shares it."""
    identity = (settings.kafka_bootstrap, settings.topic_prefix, str(settings.data_dir), settings.secret_key)
    if identity not in _shared:
        def start_keys() -> KeySource:
            from streams.portal_keys import PortalKeys
            return PortalKeys(settings).start()
        _shared[identity] = RecordCodec(settings, start_keys)
    return _shared[identity]
