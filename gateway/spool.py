"""Durable local spool for records the broker did not ack in time.

Bitrix24 never redelivers an event, so an accepted event must survive a broker outage and a
gateway crash: each record is appended as one checksummed frame and fsync'd before the 200.
Appends go to `current.spool`; draining first seals it into a time-named `.segment`, so a torn
tail left by a crash can only end a segment and never hides frames written after it."""
from __future__ import annotations

import asyncio
import logging
import os
import struct
import threading
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAGIC = b"AIC1"
HEADER = struct.Struct(">4sIII")  # magic, topic length, key length, value length
CRC = struct.Struct(">I")
CURRENT = "current.spool"

Sink = Callable[[str, bytes, bytes], Awaitable[None]]


@dataclass(frozen=True)
class SpooledRecord:
    topic: str
    key: bytes
    value: bytes


def encode_frame(record: SpooledRecord) -> bytes:
    topic = record.topic.encode()
    body = HEADER.pack(MAGIC, len(topic), len(record.key), len(record.value)) + topic + record.key + record.value
    return body + CRC.pack(zlib.crc32(body))


def decode_frames(data: bytes) -> list[SpooledRecord]:
    """Every intact frame from the start; stops at the first torn or corrupt one."""
    records, offset = [], 0
    while offset + HEADER.size <= len(data):
        magic, topic_len, key_len, value_len = HEADER.unpack_from(data, offset)
        end = offset + HEADER.size + topic_len + key_len + value_len
        if magic != MAGIC or end + CRC.size > len(data):
            break
        (crc,) = CRC.unpack_from(data, end)
        if crc != zlib.crc32(data[offset:end]):
            break
        cursor = offset + HEADER.size
        topic = data[cursor:cursor + topic_len].decode()
        key = data[cursor + topic_len:cursor + topic_len + key_len]
        records.append(SpooledRecord(topic, key, data[cursor + topic_len + key_len:end]))
        offset = end + CRC.size
    if offset != len(data):
        log.warning("spool: dropped %d unreadable trailing bytes", len(data) - offset)
    return records


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """Thread-safe; blocking file I/O (callers on the event loop use asyncio.to_thread)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.seal()  # a previous run's file may end in a torn frame: never append after it

    def append(self, record: SpooledRecord) -> None:
        path = self.directory / CURRENT
        with self._lock:
            created = not path.exists()
            with open(path, "ab") as fh:
                fh.write(encode_frame(record))
                fh.flush()
                os.fsync(fh.fileno())
            if created:
                _fsync_dir(self.directory)

    def backlog_bytes(self) -> int:
        with self._lock:
            return sum(p.stat().st_size for p in self._files())

    def seal(self) -> list[Path]:
        """Close the current file into a segment; all segments, oldest first."""
        with self._lock:
            current = self.directory / CURRENT
            if current.exists() and current.stat().st_size:
                os.replace(current, self.directory / f"{time.time_ns():020d}.segment")
                _fsync_dir(self.directory)
            return sorted(self.directory.glob("*.segment"))

    def finish(self, segment: Path, remaining: list[SpooledRecord]) -> None:
        """Delete a drained segment, or atomically rewrite it with what is still unsent."""
        if not remaining:
            segment.unlink(missing_ok=True)
        else:
            tmp = segment.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(b"".join(encode_frame(r) for r in remaining))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, segment)
        _fsync_dir(self.directory)

    def _files(self) -> list[Path]:
        return [p for p in self.directory.iterdir() if p.name == CURRENT or p.suffix == ".segment"]


async def drain_spool(spool: Spool, sink: Sink) -> int:
    """Send every spooled record to `sink` in order; returns how many were sent. If the sink
    fails, the unsent rest stays spooled and the error propagates (at-least-once: a record whose
    ack was lost may be sent again; every stage dedups on event_id)."""
    sent = 0
    for segment in await asyncio.to_thread(spool.seal):
        records = decode_frames(await asyncio.to_thread(segment.read_bytes))
        for index, record in enumerate(records):
            try:
                await sink(record.topic, record.key, record.value)
            except BaseException:
                await asyncio.to_thread(spool.finish, segment, records[index:])
                raise
            sent += 1
        await asyncio.to_thread(spool.finish, segment, [])
    return sent
