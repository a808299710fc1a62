"""The ClickHouse sink against a real in-process chdb (through clickhouse-connect) in a tmp dir."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas import registry
from warehouse.connection import connect
from warehouse.crm_ledger import ledger_mark, ledger_status, newest_written
from warehouse.read_model import call_rows, dead_letter_rows, score_trend
from warehouse.rows import NO_START_DAY, as_utc, rows_from_dead_letter, rows_from_score
from warehouse.writer import ClickHouseWriter, write_new_scores
from warehouse.schema import CALL_COLUMNS, CRITERION_COLUMNS, DEAD_LETTER_COLUMNS, LEDGER_COLUMNS
from streams.settings import Settings

NOW = datetime.now(UTC).replace(microsecond=0)


def millis(moment: datetime | None) -> int | None:
    # Epoch millis: the timestamp-millis form schemas.registry.encode accepts in every version.
    return None if moment is None else int(moment.timestamp() * 1000)


def make_score(member_id: str = "m1", activity_id: int = 1, *, score: int = 70,
               started_at: datetime | None = NOW, scored_at: datetime = NOW,
               deal_id: int = 7, contact_id: int = 3, scorecard: str = "sales@1") -> dict:
    """A CallScore as the sink receives it: encoded and decoded through the real contract."""
    record = {
        "context": {
            "call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": "p.bitrix24.test",
            "activity_id": activity_id, "project": "sales", "language": "en", "line": "LINE1",
            "direction": "incoming", "responsible_id": 11, "started_at": millis(started_at), "duration_s": 61.5,
            "bindings": [{"entity_type": "contact", "entity_id": contact_id},
                         {"entity_type": "deal", "entity_id": deal_id}],
            "versions": {"asr": "tiny.en", "analyzer": "rules@1", "scorecard": scorecard},
        },
        "scorecard": scorecard, "score": score, "outcome": "good", "compliance": "pass",
        "summary": "Customer asked about delivery.", "improvements": ["Confirm the address"],
        "criteria": [
            {"id": "greeting", "label": "Greets", "weight": 1.0, "critical": False, "compliance": False,
             "verdict": "met", "points": 1.0, "evidence": [{"quote": "Good morning", "segment": 0, "start": 0.4}]},
            {"id": "disclosure", "label": "Recording notice", "weight": 2.0, "critical": True,
             "compliance": True, "verdict": "not_met", "points": 0.0, "evidence": []},
        ],
        "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 6.5, "segments": 14},
        "scored_at": millis(scored_at),
    }
    return registry.decode("aica.CallScore", registry.encode("aica.CallScore", record))


def make_dead_letter(call_id: str | None = "m1.1", member_id: str | None = "m1") -> dict:
    record = {"source_topic": "calls.analyzed.v1", "key": None, "value": b"\x00", "stage": "score",
              "error_type": "ValueError", "reason": "no scorecard", "attempts": 3, "call_id": call_id,
              "member_id": member_id, "failed_at": millis(NOW)}
    return registry.decode("aica.DeadLetter", registry.encode("aica.DeadLetter", record))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, clickhouse_database="aica_test")


@pytest.fixture
def client(settings):
    # One chdb path per process at a time: close before the next test opens its own tmp dir.
    client = connect(settings)
    yield client
    client.close()


@pytest.fixture
def writer(client, settings) -> ClickHouseWriter:
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    return writer


def final_count(client, table: str) -> int:
    return client.command(f"SELECT count() FROM {table} FINAL")


def test_rows_from_score_maps_context_bindings_and_versions():
    score = make_score(deal_id=42, contact_id=5)
    call_row, criteria_rows = rows_from_score(score)
    assert set(call_row) == set(CALL_COLUMNS)
    assert (call_row["member_id"], call_row["call_id"]) == ("m1", "m1.1")
    assert call_row["deal_ids"] == [42] and call_row["contact_ids"] == [5] and call_row["lead_ids"] == []
    assert call_row["asr_model"] == "tiny.en" and call_row["analyzer"] == "rules@1"
    assert call_row["started_at"] == NOW and call_row["started_at"].tzinfo is not None
    assert [r["criterion_id"] for r in criteria_rows] == ["greeting", "disclosure"]
    assert all(set(r) == set(CRITERION_COLUMNS) for r in criteria_rows)
    assert criteria_rows[0]["evidence"] == ["Good morning"] and criteria_rows[1]["evidence"] == []


def test_rows_from_dead_letter_fills_missing_identity_with_empty_strings():
    row = rows_from_dead_letter(make_dead_letter(call_id=None, member_id=None))
    assert set(row) == set(DEAD_LETTER_COLUMNS)
    assert (row["member_id"], row["call_id"], row["attempts"]) == ("", "", 3)


def test_as_utc_accepts_epoch_millis_and_aware_datetimes():
    assert as_utc(millis(NOW) + 123) == NOW + timedelta(milliseconds=123)
    assert as_utc(NOW.astimezone()) == NOW and as_utc(None) is None


def test_connect_creates_and_selects_the_database(client, settings):
    assert client.database == settings.clickhouse_database
    assert client.command(f"EXISTS DATABASE {settings.clickhouse_database}") == 1


def test_ensure_schema_is_idempotent_and_matches_insert_columns(client, writer):
    writer.ensure_schema()
    for table, columns in [("calls", CALL_COLUMNS), ("call_criteria", CRITERION_COLUMNS),
                           ("dead_letters", DEAD_LETTER_COLUMNS), ("crm_deliveries", LEDGER_COLUMNS)]:
        described = [row[0] for row in client.query(f"DESCRIBE TABLE {table}").result_rows]
        assert [c for c in described if c != "inserted_at"] == list(columns)
    sorting_keys = dict(client.query("SELECT name, sorting_key FROM system.tables"
                                     " WHERE database = currentDatabase()").result_rows)
    assert {"calls", "call_criteria", "dead_letters", "crm_deliveries"} <= set(sorting_keys)
    assert all(key.startswith("member_id,") for key in sorting_keys.values())  # tenant first


def test_scores_land_with_their_criteria(client, writer):
    scores = [make_score(activity_id=i, score=50 + i) for i in range(3)]
    assert writer.write_scores(scores) == 3
    rows = call_rows(client, "m1")
    assert sorted(r["score"] for r in rows) == sorted(s["score"] for s in scores)
    assert rows[0]["versions"]["asr"] == "tiny.en" and rows[0]["deal_ids"] == [7]
    assert final_count(client, "call_criteria") == sum(len(s["criteria"]) for s in scores)


def test_writing_the_same_batch_twice_adds_no_rows(client, writer):
    scores = [make_score(activity_id=i) for i in range(5)]
    writer.write_scores(scores)
    before = final_count(client, "calls"), final_count(client, "call_criteria")
    writer.write_scores(scores)
    assert (final_count(client, "calls"), final_count(client, "call_criteria")) == before
    assert client.command("SELECT count() FROM calls") == 2 * before[0]  # both inserts really happened


def test_a_newer_score_of_the_same_call_replaces_the_older(client, writer):
    older = make_score(score=40, scored_at=NOW - timedelta(hours=1))
    newer = make_score(score=90, scored_at=NOW)
    writer.write_scores([newer])
    writer.write_scores([older])  # a late redelivery of the old version must not win
    assert [r["score"] for r in call_rows(client, "m1")] == [90]
    other_card = make_score(score=10, scorecard="support@2")
    writer.write_scores([other_card])
    assert sorted(r["scorecard"] for r in call_rows(client, "m1")) == ["sales@1", "support@2"]


def test_call_rows_only_return_the_requested_portal(client, writer):
    writer.write_scores([make_score("m1", 1), make_score("m2", 1), make_score("m2", 2)])
    assert {r["call_id"] for r in call_rows(client, "m1")} == {"m1.1"}
    assert {r["call_id"] for r in call_rows(client, "m2")} == {"m2.1", "m2.2"}
    assert call_rows(client, "nobody") == []


def test_dead_letters_land_once_per_portal(client, writer):
    dead_letters = [make_dead_letter("m1.1"), make_dead_letter("m1.2"), make_dead_letter("m2.1", "m2")]
    writer.write_dead_letters(dead_letters)
    writer.write_dead_letters(dead_letters)
    rows = dead_letter_rows(client, "m1")
    assert sorted(r["call_id"] for r in rows) == ["m1.1", "m1.2"]
    assert rows[0]["failed_at"] == NOW and rows[0]["reason"] == "no scorecard"


def test_ledger_round_trip(client, writer):
    key = ("m1", "m1.1", "deal", 7, "fp-a")
    assert ledger_status(client, *key) is None
    ledger_mark(client, *key, "pending", fields_json='{"UF_CRM_SCORE": 70}')
    assert ledger_status(client, *key) == "pending"
    ledger_mark(client, *key, "done", fields_json='{"UF_CRM_SCORE": 70}')
    assert ledger_status(client, *key) == "done"
    assert ledger_status(client, "m1", "m1.1", "deal", 7, "fp-b") is None
    assert ledger_status(client, "m2", "m1.1", "deal", 7, "fp-a") is None
    with pytest.raises(ValueError):
        ledger_mark(client, *key, "maybe")


def test_ledger_keeps_the_latest_mark_even_if_written_out_of_order(client, writer):
    key = ("m1", "m1.1", "contact", 3, "fp")
    ledger_mark(client, *key, "failed", error="QUERY_LIMIT_EXCEEDED", updated_at=NOW)
    ledger_mark(client, *key, "pending", updated_at=NOW - timedelta(seconds=5))
    assert ledger_status(client, *key) == "failed"


def test_newest_written_is_the_highest_order_of_done_writes_into_that_entity(client, writer):
    assert newest_written(client, "m1", "deal", 7) is None
    ledger_mark(client, "m1", "m1.1", "deal", 7, "fp-1", "done", call_order="a")
    ledger_mark(client, "m1", "m1.2", "deal", 7, "fp-2", "done", call_order="c")
    ledger_mark(client, "m1", "m1.3", "deal", 7, "fp-3", "pending", call_order="z")  # not written yet
    ledger_mark(client, "m1", "m1.4", "deal", 8, "fp-4", "done", call_order="y")  # another deal
    ledger_mark(client, "m2", "m2.5", "deal", 7, "fp-5", "done", call_order="x")  # another portal
    assert newest_written(client, "m1", "deal", 7) == "c"


def test_score_trend_averages_per_day_for_one_entity(client, writer):
    today = NOW.date()
    day = lambda n: NOW - timedelta(days=n)  # noqa: E731
    in_window = [make_score(activity_id=1, score=60, started_at=day(1)),
                 make_score(activity_id=2, score=80, started_at=day(1)),
                 make_score(activity_id=3, score=90, started_at=day(0))]
    noise = [make_score(activity_id=4, score=10, started_at=day(10)),  # outside the window
             make_score(activity_id=5, score=10, started_at=day(0), deal_id=8),  # another deal
             make_score("m2", 6, score=10, started_at=day(0))]  # another portal, same deal id
    writer.write_scores(in_window + noise)
    writer.write_scores(in_window)  # redelivery must not weigh twice
    trend = score_trend(client, "m1", "deal", 7, days=7, until=today)
    expected: dict = {}
    for s in in_window:
        expected.setdefault(as_utc(s["context"]["started_at"]).date(), []).append(s["score"])
    assert trend == [(d, sum(v) / len(v), len(v)) for d, v in sorted(expected.items())]
    assert score_trend(client, "m1", "deal", 7, days=7, until=today, scorecard="other@1") == []
    contact_trend = score_trend(client, "m1", "contact", 3, days=30, until=today)
    assert sum(calls for _, _, calls in contact_trend) == len(in_window) + 2


def test_a_retried_batch_still_marks_calls_already_stored_as_done(client, writer):
    """The calls insert landed, the status insert did not, the batch is retried: the calls are
    not written twice, and every one of them still gets its "done" status."""
    scores = [make_score(activity_id=i) for i in range(3)]
    writer.write_scores(scores)
    write_new_scores(client, writer, scores)
    assert client.command("SELECT count() FROM calls") == 3
    done = client.query("SELECT call_id FROM call_status WHERE status = 'done' ORDER BY call_id").result_rows
    assert [call_id for (call_id,) in done] == ["m1.0", "m1.1", "m1.2"]


def test_a_redelivered_batch_adds_no_call_rows_whatever_the_ids_hold(client, writer):
    """The redelivery check sends the batch's keys as one JSON string literal: quotes,
    backslashes, braces and non-ASCII in portal or call ids must still match their stored rows."""
    odd = ["it's", "back\\slash", "{member_id:String}", "%s", "звонок", 'quo"te', "tab\there"]
    scores = [make_score(member_id, i) for i, member_id in enumerate(odd)]
    write_new_scores(client, writer, scores)
    write_new_scores(client, writer, scores)  # redelivered after a crash before the offset commit
    stored = client.query("SELECT member_id, call_id FROM calls ORDER BY call_id").result_rows
    assert sorted(stored) == sorted((m, f"{m}.{i}") for i, m in enumerate(odd))  # each exactly once
    assert client.command("SELECT count() FROM call_status WHERE status = 'done'") == 2 * len(odd)


def test_score_rows_index_each_binding_once_and_date_calls_without_start_twice(client, writer):
    score = make_score(started_at=None, contact_id=3)
    score["context"]["bindings"] += [{"entity_type": "contact", "entity_id": 3},  # repeated
                                     {"entity_type": "contact", "entity_id": 1},
                                     {"entity_type": "quote", "entity_id": 9}]  # not indexed
    write_new_scores(client, writer, [score])
    call = client.query("SELECT contact_ids, deal_ids, lead_ids FROM calls").result_rows
    assert call == [([1, 3], [7], [])]
    index = client.query("SELECT entity_type, entity_id, day FROM call_entities ORDER BY ALL").result_rows
    days = sorted([NOW.date(), NO_START_DAY])
    assert index == [("contact", 1, d) for d in days] + [("contact", 3, d) for d in days] + [
        ("deal", 7, d) for d in days]
    status = client.query("SELECT status, has_context, contact_ids, started_at, updated_at FROM call_status").result_rows
    assert status == [("done", True, [1, 3], None, NOW)]


def test_the_redelivery_check_takes_a_batch_whose_keys_pass_max_query_size(client, writer):
    """The sink writes scored calls in batches of thousands (clickhouse_scores_batch_size): their
    keys (here ~330 KB of JSON) must not be spliced into the SQL, whose parser stops at 256 KiB."""
    member_id = "b" * 40
    scores = [make_score(member_id, i) for i in range(3000)]
    for score in scores:
        score["context"]["call_id"] = f"{member_id}.{'0' * 50}{score['context']['activity_id']}"
    write_new_scores(client, writer, scores)
    write_new_scores(client, writer, scores)
    assert client.command("SELECT count() FROM calls") == 3000
