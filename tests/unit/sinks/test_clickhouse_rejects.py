"""Rows ClickHouse refuses, against a real in-process chdb: the good rows of the batch are stored,
each bad one is dead-lettered with the reason (stage "clickhouse"), transient failures are
retried in place, and a dead letter that cannot be stored is dropped rather than looped."""
from __future__ import annotations

import gc
import struct
from datetime import UTC, datetime

import pytest
from clickhouse_connect.driver import exceptions as ch

from schemas import registry
from sinks.clickhouse_store import BatchStore, DeadLetters, Pending
from streams.dlq_limit import DeadLetterFlood, DeadLetterLimit
from streams.settings import Settings
from streams.stage import Consumed
from warehouse.connection import connect
from warehouse.failures import failure_kind
from warehouse.writer import ClickHouseWriter, write_new_scores

NOW_MS = int(datetime.now(UTC).timestamp() * 1000)
SCORED_TOPIC = "calls.scored.v1"


def score_record(activity_id: int, score: int = 70) -> dict:
    ctx = {"call_id": f"m1.{activity_id}", "member_id": "m1", "domain": "p.bitrix24.test",
           "activity_id": activity_id, "project": "sales", "language": "en", "line": "L", "direction": "incoming",
           "responsible_id": 11, "started_at": NOW_MS, "duration_s": 60.0, "bindings": [],
           "versions": {"asr": "tiny.en"}}
    return {"context": ctx, "scorecard": "sales@1", "score": score, "outcome": "good", "compliance": "pass",
            "summary": "s", "improvements": [], "criteria": [], "scored_at": NOW_MS,
            "talk": {"agent_talk_s": 1.0, "client_talk_s": 1.0, "silence_s": 0.0, "segments": 2}}


def pending(record_name: str, record: dict, topic: str = SCORED_TOPIC) -> Pending:
    """As the sink has it: the consumed bytes and the record decoded from them."""
    value = registry.encode(record_name, record)
    return Pending(Consumed(topic, b"m1", value), registry.decode(record_name, value))


def scores(n: int, bad: set[int], first: int = 0) -> list[Pending]:
    # UInt8 column: 300 passes the Avro contract (int) but ClickHouse can never store it.
    return [pending("aica.CallScore", score_record(i, 300 if i in bad else 50 + i % 50))
            for i in range(first, first + n)]


@pytest.fixture
def client(tmp_path):
    settings = Settings(data_dir=tmp_path, clickhouse_database="aica_rejects")
    client = connect(settings)
    ClickHouseWriter(client, settings.clickhouse_database).ensure_schema()
    yield client
    client.close()


class Sent:
    def __init__(self) -> None:
        self.letters: list[tuple[bytes | None, dict]] = []

    async def __call__(self, key: bytes | None, value: bytes) -> None:
        self.letters.append((key, registry.decode("aica.DeadLetter", value)))


def store_for(client, write=None, reject=None, **kwargs):
    """A BatchStore writing scored calls the way the sink does, on this thread."""
    writer = ClickHouseWriter(client, client.database)
    sent = Sent()
    flood = DeadLetterLimit("clickhouse", max_ratio=kwargs.pop("max_ratio", 0), window=10, min_outcomes=10,
                            max_consecutive=kwargs.pop("max_consecutive", 0))
    letters = DeadLetters(sent, flood)
    calls: list[int] = []

    def write_scores(records: list[dict]) -> None:
        calls.append(len(records))
        (write or (lambda rs: write_new_scores(client, writer, rs)))(records)

    async def run_blocking(fn, records):
        return fn(records)

    store = BatchStore("aica.CallScore", write_scores, run_blocking, reject or letters.dead_letter,
                       on_stored=flood.succeeded, min_backoff_s=0, max_backoff_s=0, **kwargs)
    return store, letters, sent, calls


def stored_call_ids(client) -> list[str]:
    return sorted(r[0] for r in client.query("SELECT call_id FROM calls FINAL").result_rows)


async def test_a_bad_row_is_dead_lettered_and_the_rest_of_its_batch_stored(client):
    store, letters, sent, _ = store_for(client)
    batch = scores(7, bad={4})
    await store.store(batch)
    assert stored_call_ids(client) == sorted(f"m1.{i}" for i in range(7) if i != 4)
    [(key, letter)] = sent.letters
    assert key == b"m1" and letter["stage"] == "clickhouse" and letter["source_topic"] == SCORED_TOPIC
    assert (letter["call_id"], letter["member_id"]) == ("m1.4", "m1")
    assert letter["error_type"] == "DataError" and "score" in letter["reason"]
    assert letter["value"] == batch[4].message.value  # replayable once the cause is fixed
    done = client.query("SELECT call_id FROM call_status WHERE status = 'done'").result_rows
    assert "m1.4" not in {c for (c,) in done} and len(done) == 6


async def test_bisection_finds_each_bad_row_in_few_writes(client):
    store, _, sent, calls = store_for(client)
    await store.store(scores(64, bad={3, 41}))
    assert sorted(letter["call_id"] for _, letter in sent.letters) == ["m1.3", "m1.41"]
    assert len(stored_call_ids(client)) == 62
    assert len(calls) <= 2 * 2 * 6 + 1  # ~2 log2(n) writes per bad row, not one per row


async def test_a_transient_failure_is_retried_in_place_not_dead_lettered(client):
    failures = [ch.OperationalError("Error HTTPConnectionPool: connection refused"),
                ch.DatabaseError("Code: 241. DB::Exception: Memory limit exceeded")]
    writer = ClickHouseWriter(client, client.database)

    def flaky(records):
        if failures:
            raise failures.pop(0)
        write_new_scores(client, writer, records)

    store, _, sent, calls = store_for(client, write=flaky)
    await store.store(scores(5, bad=set()))
    assert calls == [5, 5, 5] and not sent.letters and len(stored_call_ids(client)) == 5


async def test_an_unexplained_server_error_is_retried_a_few_times_then_isolated(client):
    writer = ClickHouseWriter(client, client.database)

    def server_refuses_call_2(records):
        if any(r["context"]["call_id"] == "m1.2" for r in records):
            raise ch.DatabaseError("Code: 1001. DB::Exception: std::exception")
        write_new_scores(client, writer, records)

    store, _, sent, calls = store_for(client, write=server_refuses_call_2, unknown_attempts=2)
    await store.store(scores(4, bad=set()))
    assert [letter["call_id"] for _, letter in sent.letters] == ["m1.2"]
    assert "Code: 1001" in sent.letters[0][1]["reason"] and len(stored_call_ids(client)) == 3
    assert calls[:2] == [4, 4]  # retried once (2 attempts) before bisecting


async def test_an_undecodable_record_is_dead_lettered_as_such(client):
    store, _, sent, _ = store_for(client)
    await store.store([Pending(Consumed(SCORED_TOPIC, b"k", b"not avro"), None), *scores(2, bad=set())])
    assert [(letter["error_type"], letter["value"]) for _, letter in sent.letters] == [("SchemaError", b"not avro")]
    assert len(stored_call_ids(client)) == 2


async def test_a_dead_letter_that_cannot_be_stored_is_dropped_not_looped(client):
    writer = ClickHouseWriter(client, client.database)
    sent = Sent()
    letters = DeadLetters(sent, DeadLetterLimit("clickhouse", max_ratio=0, window=1, min_outcomes=1,
                                                max_consecutive=0))

    async def run_blocking(fn, records):
        return fn(records)

    store = BatchStore("aica.DeadLetter", writer.write_dead_letters, run_blocking, letters.drop,
                       min_backoff_s=0, max_backoff_s=0)
    letter = {"source_topic": "calls.analyzed.v1", "key": None, "value": b"\x00", "stage": "score",
              "error_type": "ValueError", "reason": "no scorecard", "attempts": 0, "call_id": "m1.1",
              "member_id": "m1", "failed_at": NOW_MS}
    bad = {**letter, "call_id": "m1.2", "attempts": -1}  # attempts is UInt32 in ClickHouse
    batch = [pending("aica.DeadLetter", r, "aica.deadletter.v1") for r in (letter, bad)]
    await store.store(batch)
    assert not sent.letters and letters.dropped == 1
    assert client.query("SELECT call_id FROM dead_letters FINAL").result_rows == [("m1.1",)]


async def test_good_rows_stored_while_bisecting_count_against_the_flood_ratio(client):
    """Half of a batch bad, in one run: the good rows land as the bisection finds them, so the
    ratio (over 0.6 trips) never passes 0.5."""
    store, _, sent, _ = store_for(client, max_ratio=0.6)
    await store.store(scores(40, bad=set(range(0, 40, 2))))
    assert len(sent.letters) == 20 and len(stored_call_ids(client)) == 20


async def test_a_flood_of_bad_rows_stops_the_sink_before_it_dead_letters_them_all(client):
    store, _, sent, _ = store_for(client, max_consecutive=3)
    with pytest.raises(DeadLetterFlood):
        await store.store(scores(8, bad={1, 2, 3, 4, 5, 6}))
    assert len(sent.letters) == 2


@pytest.mark.parametrize(("exc", "kind"), [
    (ch.DataError("Unable to create native array for column `score`"), "data"),
    (ValueError("invalid literal for int()"), "data"),
    (struct.error("ubyte format requires 0 <= number <= 255"), "data"),
    (ch.DatabaseError("Code: 53. DB::Exception: Type mismatch"), "data"),
    (ch.DatabaseError("Code: 27. DB::Exception: Cannot parse input"), "data"),
    (ch.OperationalError("Error connecting to localhost:8123"), "transient"),
    (ConnectionRefusedError(), "transient"),
    (TimeoutError(), "transient"),
    (ch.DatabaseError("HTTPDriver returned response code 503) Code: 202. Too many simultaneous queries"), "transient"),
    (ch.DatabaseError("Code: 60. DB::Exception: Table aica.calls does not exist"), "transient"),
    (ch.DatabaseError("some error", code=53), "data"),
    (ch.DatabaseError("Code: 1001. DB::Exception: std::exception"), "unknown"),
    (RuntimeError("?"), "unknown"),
])
def test_failure_kinds(exc, kind):
    assert failure_kind(exc) == kind


class Crashes:
    def __init__(self) -> None:
        self.reasons: list[BaseException] = []

    async def crash(self, reason: BaseException) -> None:
        self.reasons.append(reason)


def consumed_event(topic: str, value: bytes):
    """The parts of a faust event the sink reads."""
    from types import SimpleNamespace
    return SimpleNamespace(message=SimpleNamespace(topic=topic), key=b"m1", value=value, headers={})


async def test_the_sinks_flush_stores_good_rows_dead_letters_bad_ones_and_stops_on_a_flood(client, tmp_path):
    from sinks.clickhouse_metrics import batch_flush
    writer = ClickHouseWriter(client, client.database)
    settings = Settings(data_dir=tmp_path, dlq_max_consecutive=3, dlq_max_ratio=0)
    sent, app = Sent(), Crashes()

    async def run_blocking(fn, records):
        return fn(records)

    flush = batch_flush(app, settings, "aica.CallScore", lambda ss: write_new_scores(client, writer, ss),
                        run_blocking, sent, wanted=lambda record: record["context"]["activity_id"] != 5)
    await flush([consumed_event(SCORED_TOPIC, p.message.value) for p in scores(6, bad={1})])
    assert stored_call_ids(client) == ["m1.0", "m1.2", "m1.3", "m1.4"]  # m1.5 not wanted
    assert [letter["call_id"] for _, letter in sent.letters] == ["m1.1"] and not app.reasons

    with pytest.raises(DeadLetterFlood):
        await flush([consumed_event(SCORED_TOPIC, p.message.value)
                     for p in scores(10, bad=set(range(100, 110)), first=100)])
    assert len(sent.letters) == 3 and len(app.reasons) == 1  # 1 + 2 more, then the worker stops


async def test_a_batch_is_written_with_automatic_collection_paused(client):
    collecting = []
    store, _, sent, _ = store_for(client, write=lambda records: collecting.append(gc.isenabled()))
    await store.store(scores(3, bad=set()))
    assert collecting == [False] and gc.isenabled() and not sent.letters
