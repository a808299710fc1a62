"""The spool keeps every record through crashes and partial drains."""
from __future__ import annotations

import pytest

from gateway.spool import CURRENT, Spool, SpooledRecord, decode_frames, drain_spool, encode_frame

RECORDS = [SpooledRecord("b24.events.v1", f"member-{i}".encode(), bytes([i]) * (10 + i)) for i in range(3)]


class Sink:
    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.received: list[SpooledRecord] = []

    async def __call__(self, topic: str, key: bytes, value: bytes) -> None:
        if self.fail_at is not None and len(self.received) == self.fail_at:
            raise ConnectionError("broker went away again")
        self.received.append(SpooledRecord(topic, key, value))


def test_frames_round_trip():
    assert decode_frames(b"".join(encode_frame(r) for r in RECORDS)) == RECORDS


@pytest.mark.parametrize("damage", [
    lambda data: data[:-3],  # torn write at the tail
    lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),  # corrupted checksum
])
def test_a_damaged_last_frame_is_dropped_and_the_rest_kept(damage):
    assert decode_frames(damage(b"".join(encode_frame(r) for r in RECORDS))) == RECORDS[:2]


def test_after_a_crash_new_records_are_not_hidden_behind_a_torn_frame(tmp_path):
    (tmp_path / CURRENT).write_bytes(encode_frame(RECORDS[0]) + encode_frame(RECORDS[1])[:-5])
    spool = Spool(tmp_path)  # a restart
    spool.append(RECORDS[2])
    recovered = [r for p in spool.seal() for r in decode_frames(p.read_bytes())]
    assert recovered == [RECORDS[0], RECORDS[2]]


async def test_drain_sends_in_order_and_empties_the_spool(tmp_path):
    spool = Spool(tmp_path)
    for record in RECORDS:
        spool.append(record)
    sink = Sink()
    assert await drain_spool(spool, sink) == 3
    assert sink.received == RECORDS
    assert spool.backlog_bytes() == 0


async def test_an_interrupted_drain_keeps_exactly_the_unsent_rest(tmp_path):
    spool = Spool(tmp_path)
    for record in RECORDS:
        spool.append(record)
    with pytest.raises(ConnectionError):
        await drain_spool(spool, Sink(fail_at=1))
    spool.append(SpooledRecord("t", b"late", b"arrival"))
    sink = Sink()
    assert await drain_spool(spool, sink) == 3
    assert sink.received == RECORDS[1:] + [SpooledRecord("t", b"late", b"arrival")]
