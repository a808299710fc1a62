"""call_entities, the entity -> call index the dashboard's entity reads go through, on a real chdb:
the indexed reads answer exactly as the portal scans they replaced (bench/dashboard_reads_baseline),
with rescored calls, statuses without a score, a binding a newer version dropped, and two portals
sharing entity ids; and a database from before the index gets it backfilled by ensure_schema."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bench import dashboard_reads_baseline as scan
from schemas import registry
from streams.settings import Settings
from warehouse import call_listing, entity_index, read_model, rebuild
from warehouse.connection import connect
from warehouse.rows import status_row_from_call_status, status_row_from_dead_letter, status_row_from_score
from warehouse.schema import KEYED_GRANULE, KEYED_SETTINGS, MIGRATIONS, TABLE_DDL, schema_statements
from warehouse.writer import ClickHouseWriter, write_new_scores, write_statuses

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def context(member_id: str, n: int, *, contact: int = 3, deal: int | None = 7,
            started_at: datetime | None = NOW) -> dict:
    bindings = [{"entity_type": "contact", "entity_id": contact}]
    bindings += [{"entity_type": "deal", "entity_id": deal}] if deal is not None else []
    return {"call_id": f"{member_id}.{n}", "member_id": member_id, "domain": "p.test", "activity_id": n,
            "project": "support-en", "language": "en", "line": "L1", "direction": "incoming",
            "responsible_id": 11, "started_at": millis(started_at), "duration_s": 61.5,
            "bindings": bindings, "versions": {"asr": "tiny.en"}}


def score(ctx: dict, value: int, *, scorecard: str = "support-en@1", scored_at: datetime = NOW) -> dict:
    record = {"context": ctx, "scorecard": scorecard, "score": value, "outcome": "good", "compliance": "pass",
              "summary": "Refund explained.", "improvements": [],
              "criteria": [{"id": "greeting", "label": "Greeting", "weight": 1.0, "critical": False,
                            "compliance": False, "verdict": "met", "points": 1.0, "evidence": []}],
              "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 6.5, "segments": 2},
              "scored_at": millis(scored_at)}
    return registry.decode("aica.CallScore", registry.encode("aica.CallScore", record))


def status(ctx: dict, value: str, at: datetime = NOW) -> dict:
    record = {"call_id": ctx["call_id"], "member_id": ctx["member_id"], "status": value, "stage": "ingest",
              "reason": "the call did not connect" if value == "skipped" else None, "context": ctx,
              "at": millis(at)}
    return status_row_from_call_status(registry.decode("aica.CallStatus", registry.encode("aica.CallStatus", record)))


def day(n: int) -> datetime:
    return NOW - timedelta(days=n)


def history() -> tuple[list[dict], list[dict]]:
    """Scores and statuses of portals m1 and m2 (m2 reuses m1's entity ids)."""
    scores = [
        score(context("m1", 1, started_at=day(1)), 60),
        score(context("m1", 1, started_at=day(1)), 90, scorecard="support-en@2", scored_at=NOW + timedelta(minutes=5)),
        score(context("m1", 2, started_at=day(3)), 80),
        score(context("m1", 3, started_at=None), 40, scored_at=day(2)),  # dated by scored_at
        score(context("m1", 4, started_at=day(100)), 20),  # outside a 90-day window
        score(context("m1", 5, contact=4, deal=8, started_at=day(1)), 10),  # another contact and deal
        # Call 6 was on deal 7, its newer version of the same scorecard is on deal 9 only.
        score(context("m1", 6, started_at=day(2)), 30, scored_at=day(2)),
        score(context("m1", 6, deal=9, started_at=day(2)), 70, scored_at=day(1)),
        score(context("m2", 1, started_at=day(1)), 5),  # another portal, same contact and deal ids
        score(context("m2", 2, started_at=day(2)), 15),
    ]
    statuses = [status(context("m1", 7, started_at=day(0)), "processing"),  # not scored yet
                status(context("m1", 8, started_at=day(5)), "skipped"),
                status(context("m2", 3, started_at=day(0)), "processing")]
    return scores, statuses


ENTITIES = [("m1", "contact", 3), ("m1", "contact", 4), ("m1", "deal", 7), ("m1", "deal", 9),
            ("m2", "contact", 3), ("m2", "deal", 8), ("m3", "contact", 3), ("m1", "lead", 3)]


def check_same_answers(client) -> None:
    for member_id, kind, entity in ENTITIES:
        for days in (7, 366):
            assert (read_model.score_trend(client, member_id, kind, entity, days, until=TODAY)
                    == scan.score_trend(client, member_id, kind, entity, days, until=TODAY))
            assert (read_model.trend_by_scorecard(client, member_id, kind, entity, days, TODAY)
                    == scan.trend_by_scorecard(client, member_id, kind, entity, days, TODAY))
            assert (read_model.trend_with_series(client, member_id, kind, entity, days, TODAY)
                    == (scan.trend(client, member_id, kind, entity, days, TODAY),
                        scan.trend_by_scorecard(client, member_id, kind, entity, days, TODAY)))
        for limit in (2, 50):
            assert (read_model.entity_calls(client, member_id, kind, entity, limit)
                    == scan.entity_calls(client, member_id, kind, entity, limit))
        assert (read_model.entity_scorecards(client, member_id, kind, entity)
                == scan.entity_scorecards(client, member_id, kind, entity))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, clickhouse_database="aica_index")


@pytest.fixture
def client(settings):
    client = connect(settings)  # one chdb path per process at a time: closed after each test
    yield client
    client.close()


def test_indexed_reads_answer_as_the_portal_scans(client, settings):
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    scores, statuses = history()
    write_new_scores(client, writer, scores)
    write_statuses(client, statuses)
    write_new_scores(client, writer, scores)  # a redelivered batch
    check_same_answers(client)
    # What the scans answer, spelled out for the cases the index must not get wrong.
    trend = read_model.score_trend(client, "m1", "deal", 7, 7, until=TODAY)
    assert trend == [(day(3).date(), 80.0, 1), (day(2).date(), 40.0, 1), (day(1).date(), 75.0, 1)]
    assert read_model.score_trend(client, "m1", "deal", 9, 7, until=TODAY) == [(day(2).date(), 70.0, 1)]
    assert read_model.score_trend(client, "m2", "deal", 7, 7, until=TODAY) == [
        (day(2).date(), 15.0, 1), (day(1).date(), 5.0, 1)]
    listed = read_model.entity_calls(client, "m1", "contact", 3, 50)
    # Newest start first; a call with no start time lists last.
    assert [c["call_id"] for c in listed] == ["m1.7", "m1.1", "m1.6", "m1.2", "m1.8", "m1.4", "m1.3"]
    assert listed[1]["score"] == 90 and listed[0]["status"] == "processing" and listed[4]["status"] == "skipped"
    assert [v["scorecard"] for v in read_model.call_versions(client, "m1", "m1.1")] == ["support-en@2", "support-en@1"]
    series = read_model.trend_by_scorecard(client, "m1", "contact", 3, 7, TODAY)
    assert [s["scorecard"] for s in series] == ["support-en@2", "support-en@1"]
    assert series[0]["points"] == [{"day": day(1).date().isoformat(), "avg_score": 90.0, "calls": 1}]
    assert read_model.entity_calls(client, "m3", "contact", 3, 50) == []


def test_an_entity_with_more_calls_than_listed_ids_reads_through_the_index_subquery(client, settings, monkeypatch):
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    scores, statuses = history()
    write_new_scores(client, writer, scores)
    write_statuses(client, statuses)
    monkeypatch.setattr(entity_index, "_LISTED_IDS_MAX", 1)
    in_calls = entity_index.entity_calls_filter(client, "m1", "contact", 3)
    assert in_calls is not None and "SELECT" in in_calls[0]  # the subquery form, not the list
    check_same_answers(client)


def test_an_entity_with_more_index_rows_than_grouped_in_python_groups_them_in_sql(client, settings, monkeypatch):
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    scores, statuses = history()
    write_new_scores(client, writer, scores)
    write_statuses(client, statuses)
    in_python = entity_index.newest_call_days(client, "m1", "contact", 3)
    monkeypatch.setattr(entity_index, "_RAW_ROWS_MAX", 2)
    assert entity_index.newest_call_days(client, "m1", "contact", 3) == in_python and len(in_python) > 2
    check_same_answers(client)


def test_a_contacts_newest_calls_read_newest_first_answer_as_the_scan(client, settings, monkeypatch):
    """entity_calls reads only the newest calls by index day, and more when that cannot be the
    answer: the same lists as the scan for every limit, with rescored calls, a binding a newer
    version dropped, statuses without a score, and calls without a start time listed by a later
    failure the index does not date (entity_index.newest_ids, NO_START_DAY)."""
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    scores = [score(context("m1", n, contact=5, started_at=day(n)), n) for n in range(10, 40)]
    scores += [score(context("m1", 12, contact=5, started_at=day(12)), 99, scorecard="support-en@2"),
               score(context("m1", 14, contact=6, started_at=day(14)), 50, scored_at=NOW + timedelta(minutes=1)),
               score(context("m1", 50, contact=5, started_at=None), 45, scored_at=day(30)),
               score(context("m1", 51, contact=5, started_at=None), 46, scored_at=day(35))]
    write_new_scores(client, writer, scores)
    write_statuses(client, [status(context("m1", n, contact=5, started_at=day(n)), "processing", day(n))
                            for n in (1, 2, 25)])
    # Call 50 has no start time: its newest status, a failure today, lists it by today's time.
    write_statuses(client, [status_row_from_dead_letter({"call_id": "m1.50", "member_id": "m1", "stage": "crm",
                                                         "reason": "portal down", "failed_at": NOW})])
    # Scored calls whose list entry takes its metadata from the score row (the list reads the
    # rest of it after, call_listing._with_metadata): 60 has no status row at all (stored before
    # call_status), 61 a newer status whose context has no activity id.
    writer.write_scores([score(context("m1", 60, contact=5, started_at=day(44)), 33),
                         score(context("m1", 61, contact=5, started_at=day(45)), 34)])
    write_statuses(client, [status(context("m1", 61, contact=5, started_at=day(45)) | {"activity_id": 0},
                                   "processing", NOW)])
    # Three of the contact's newest calls moved to contact 8 (a newer version of the same scorecard,
    # and its "done" status): the index still lists them first, the binding check drops them, so
    # the newest few read first fall short and the list reads on (more than its margin of 2).
    moved = [NOW - timedelta(hours=h) for h in (1, 2, 3)]
    write_new_scores(client, writer, [score(context("m1", 70 + k, contact=5, started_at=at), 1, scored_at=at)
                                      for k, at in enumerate(moved)])
    write_new_scores(client, writer, [score(context("m1", 70 + k, contact=8, started_at=at), 2, scored_at=NOW)
                                      for k, at in enumerate(moved)])
    for limit in (1, 2, 3, 5, 8, 13, 21, 34, 60):
        assert (read_model.entity_calls(client, "m1", "contact", 5, limit)
                == scan.entity_calls(client, "m1", "contact", 5, limit)), limit
    listed = [c["call_id"] for c in read_model.entity_calls(client, "m1", "contact", 5, 60)]
    assert listed[:3] == ["m1.1", "m1.2", "m1.10"] and listed[-2:] in (["m1.50", "m1.51"], ["m1.51", "m1.50"])
    assert "m1.14" not in listed and not {"m1.70", "m1.71", "m1.72"} & set(listed)
    assert [c["call_id"] for c in read_model.entity_calls(client, "m1", "contact", 8, 5)] == ["m1.70", "m1.71", "m1.72"]
    reads = []
    monkeypatch.setattr(call_listing, "_listing_rows", lambda *a: reads.append(a[-1]) or listing_rows(*a))
    assert read_model.entity_calls(client, "m1", "contact", 5, 1) == scan.entity_calls(client, "m1", "contact", 5, 1)
    assert len(reads) > 1  # the newest calls read first were the moved ones: a longer read after
    by_id = {c["call_id"]: c for c in read_model.entity_calls(client, "m1", "contact", 5, 60)}
    assert [(by_id[c]["activity_id"], by_id[c]["status"], by_id[c]["bindings"]["contact"]) for c in ("m1.60", "m1.61")] == [
        (60, "done", [5]), (61, "processing", [5])]


listing_rows = call_listing._listing_rows

KEYED_TABLES = ("calls", "call_criteria", "call_status", "call_transcripts")
CALLS = ("m1.1", "m1.6", "m1.7", "m1.8", "m2.1")


def engines(client, db: str) -> dict[str, str]:
    return dict(client.query("SELECT name, engine_full FROM system.tables WHERE database = {d:String}",
                             parameters={"d": db}).result_rows)


def scanned_answers(client) -> list:
    """Today's scans and call_detail (neither reads the index): the same before and after an upgrade."""
    answers = [read_model.call_detail(client, m, c) for c in CALLS for m in ("m1", "m2")]
    answers.append(read_model.call_detail(client, "m1", "m1.1", "support-en@1"))
    for member_id, kind, entity in ENTITIES:
        answers += [scan.score_trend(client, member_id, kind, entity, 366, until=TODAY),
                    scan.trend_by_scorecard(client, member_id, kind, entity, 366, TODAY),
                    scan.entity_calls(client, member_id, kind, entity, 50)]
    return answers


def test_tables_with_small_granules_but_default_compressed_blocks_are_rebuilt(client, settings):
    """A database upgraded to 256-row granules before the compressed block sizes were set: only
    the settings it lacks make a table stale; calls is copied anew (warehouse.rebuild.rebuild),
    call_entities, lacking only alterable settings, rewritten in place; both keep their rows."""
    db = settings.clickhouse_database
    for name in ("calls", "call_entities"):
        client.command(TABLE_DDL[name].format(db=db).replace(f"SETTINGS {KEYED_SETTINGS}",
                                                             f"SETTINGS index_granularity = {KEYED_GRANULE}"))
    for statement in schema_statements(db):  # the other tables as the DDL has them
        client.command(statement)
    scores, _ = history()
    write_new_scores(client, ClickHouseWriter(client, db), scores)
    rows = {t: client.command(f"SELECT count() FROM {t} FINAL") for t in ("calls", "call_entities")}
    assert sorted(rebuild.stale_tables(client, db)) == ["call_entities", "calls"]
    ClickHouseWriter(client, db).ensure_schema()
    assert rebuild.stale_tables(client, db) == []
    assert KEYED_SETTINGS in engines(client, db)["calls"] and KEYED_SETTINGS in engines(client, db)["call_entities"]
    assert {t: client.command(f"SELECT count() FROM {t} FINAL") for t in ("calls", "call_entities")} == rows
    check_same_answers(client)


def test_ensure_schema_backfills_and_regranules_a_database_from_before_the_index(client, settings):
    """Rows stored by the old writer in tables with ClickHouse's default granules, then the
    upgrade: the index is backfilled, the keyed tables are rebuilt with small granules holding the
    same rows, the answers do not change, and a second ensure_schema does neither again."""
    db = settings.clickhouse_database
    for name, ddl in TABLE_DDL.items():
        if name != "call_entities":
            client.command(ddl.format(db=db).replace(f"SETTINGS {KEYED_SETTINGS}", ""))
    for statement in MIGRATIONS:
        client.command(statement.format(db=db))
    scores, statuses = history()
    scan.write_scores_and_statuses(client, scores, map(status_row_from_score, scores))
    scan.write_scores_and_statuses(client, [], statuses)
    client.command("INSERT INTO call_transcripts (member_id, call_id, language, audio_uri, audio_duration_s,"
                   " channels, segment_starts, segment_ends, speakers, texts, redacted_at)"
                   " VALUES ('m1', 'm1.1', 'en', 'blob://m1/1.wav', 9.5, 1, [0.5], [2.0], ['agent'], ['Hello'], now64(3))")
    assert sorted(rebuild.stale_tables(client, db)) == sorted(KEYED_TABLES)
    counts = {t: client.command(f"SELECT count() FROM {t}") for t in KEYED_TABLES}
    before = scanned_answers(client)
    assert before[0]["transcript"] and before[0]["criteria"]
    writer = ClickHouseWriter(client, db)
    writer.ensure_schema()
    indexed = client.command("SELECT count() FROM call_entities")
    assert indexed > 0
    assert all(KEYED_SETTINGS in engines(client, db)[t] for t in KEYED_TABLES)
    assert {t: client.command(f"SELECT count() FROM {t}") for t in KEYED_TABLES} == counts
    assert not any(name.endswith("__rebuild") for name in engines(client, db))
    assert scanned_answers(client) == before
    check_same_answers(client)
    assert read_model.entity_calls(client, "m1", "contact", 3, 50) != []
    writer.ensure_schema()
    assert client.command("SELECT count() FROM call_entities") == indexed
    assert rebuild.stale_tables(client, db) == []
    assert {t: client.command(f"SELECT count() FROM {t}") for t in KEYED_TABLES} == counts


def test_the_lists_python_merge_answers_as_the_sql_aggregates(client, settings):
    """warehouse.newest_rows merges the listed calls' rows in Python where the scan aggregates in
    SQL: argMaxIf skips NULLs (a newer context without a start time or agent keeps the older
    one's), a failure without context keeps the last context, an outcome beats "processing" at
    the same millisecond, a rescore with the same scored_at keeps the row inserted last."""
    writer = ClickHouseWriter(client, settings.clickhouse_database)
    writer.ensure_schema()
    client.command("SYSTEM STOP MERGES calls")  # the two rows of call 92 stay apart: as FINAL sees them
    early, late = day(3), day(3) + timedelta(hours=1)
    ctx = context("m1", 90, contact=5, started_at=day(3))
    write_statuses(client, [status(ctx, "processing", early),
                            status(ctx | {"started_at": None, "responsible_id": None, "duration_s": None,
                                          "direction": "outgoing"}, "processing", late)])
    write_statuses(client, [status_row_from_dead_letter({"call_id": "m1.90", "member_id": "m1", "stage": "asr",
                                                         "reason": "no audio", "failed_at": NOW})])
    ctx91 = context("m1", 91, contact=5, started_at=day(4))
    write_statuses(client, [status(ctx91, "processing", late), status(ctx91, "skipped", late)])
    ctx92 = context("m1", 92, contact=5, started_at=day(5))
    writer.write_scores([score(ctx92, 10, scored_at=late)])
    writer.write_scores([score(ctx92, 20, scored_at=late)])  # the same version and time, stored after
    write_statuses(client, [status(ctx92, "processing", early)])  # its metadata from the status: no second read
    writer.write_scores([score(context("m1", 93, contact=5, started_at=None), 30, scored_at=early)])
    for limit in (1, 2, 3, 4, 10):
        assert (read_model.entity_calls(client, "m1", "contact", 5, limit)
                == scan.entity_calls(client, "m1", "contact", 5, limit)), limit
    by_id = {c["call_id"]: c for c in read_model.entity_calls(client, "m1", "contact", 5, 10)}
    assert (by_id["m1.90"]["status"], by_id["m1.90"]["started_at"], by_id["m1.90"]["responsible_id"],
            by_id["m1.90"]["direction"]) == ("failed", day(3).isoformat(), 11, "outgoing")
    assert by_id["m1.91"]["status"] == "skipped" and by_id["m1.92"]["score"] == 20
