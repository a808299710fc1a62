"""Dashboard reads over millions of calls (issue 12, target 1), today's queries vs the indexed ones.

- Generates the data inside an in-process ClickHouse (chdb, temp dir) with INSERT ... SELECT FROM
  numbers(), in the shapes warehouse.rows writes: `--calls` calls, 80 % in one portal with
  200,000 contacts and 300,000 deals per 8 M calls over two years, the rest over 99 portals (500
  contacts, 750 deals each per 20,000 calls); every call bound to one contact and one deal; 5 % of
  the big portal's calls rescored under a second scorecard version; 3 criteria rows per version, 2
  status rows per call (ingest "processing", score "done"), a 4-segment transcript per call.
  The tables are created with the schema as it was, filled, then upgraded by
  ClickHouseWriter.ensure_schema (creates call_entities and backfills it, rebuilds the keyed
  tables with small granules: timed).
- Reads, over `--entities` random entities of the big portal, each query run three ways in
  rotation (results compared): today's scans, the new reads on a hard-linked copy of the data
  as it was before the upgrade rewrote the keyed tables (PREV: on freshly generated data their
  8,192-row granules; on a kept data dir, the layout of the code that last upgraded it), and the
  new reads on the upgraded tables: the 90-day `score_trend` of a contact or deal (alternating), the trend
  endpoint (`trend` + `trend_by_scorecard`), a contact's 20 most recent calls (`entity_calls`),
  one call's `call_detail` (unchanged: one baseline). p50 / p95 in ms.
- Insert cost, before the data is generated: batches of `--batch` scored calls (default: the sink's
  `clickhouse_scores_batch_size`) through today's frozen writer (`write_scores` + the "done"
  statuses) and the sink's (`write_new_scores`, its redelivery check included, GC paused as the
  sink's store does), into two fresh databases, alternating batches. Calls per second.

    .venv/bin/python -m bench.dashboard_reads --calls 10000000

About 290 lines: data generation inside ClickHouse, the baseline and the new reads, side by side in one run."""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import dashboard_reads_baseline as before
from streams.gc_pause import gc_paused
from streams.settings import Settings
from warehouse import read_model as after
from warehouse.connection import connect
from warehouse.rows import status_row_from_score
from warehouse.rebuild import stale_tables
from warehouse.schema import BACKFILL_STATEMENTS, KEYED_GRANULE, KEYED_SETTINGS, MIGRATIONS, TABLE_DDL, quoted_identifier
from warehouse.writer import ClickHouseWriter, write_new_scores

DB = "aica_bench"
PREV = "aica_bench_8192"  # the same data with the keyed tables' granules as before (hard-linked copy)
BIG = "portal-big"
SPAN_S = 2 * 365 * 86_400
CRITERIA = ("greeting", "verification", "closing")


def old_schema(client, database: str) -> None:
    """The tables as they were before call_entities (and with ClickHouse's 8,192-row granules)."""
    db = quoted_identifier(database)
    client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    for name, ddl in TABLE_DDL.items():
        if name != "call_entities":
            client.command(ddl.format(db=db).replace(f"SETTINGS {KEYED_SETTINGS}", ""))
    for statement in MIGRATIONS:
        client.command(statement.format(db=db))


def base(total: int, big: int, now_s: int) -> str:
    """One row per call: the portal, its entities, start time and score."""
    contacts, deals = max(1, big * 200_000 // 8_000_000), max(1, big * 300_000 // 8_000_000)
    return f"""(SELECT number AS n, n < {big} AS in_big,
        if(in_big, '{BIG}', concat('portal-', leftPad(toString((n - {big}) % 99), 2, '0'))) AS member_id,
        concat(member_id, '.', toString(n)) AS call_id,
        1 + cityHash64(n, 2) % if(in_big, {contacts}, 500) AS contact,
        1 + cityHash64(n, 3) % if(in_big, {deals}, 750) AS deal,
        toDateTime64({now_s} - cityHash64(n, 1) % {SPAN_S}, 3, 'UTC') AS started_at,
        toUInt8(cityHash64(n, 4) % 101) AS score0
        FROM numbers({total}))"""


def generate_tables(client, total: int, now_s: int) -> dict[str, float]:
    big = total * 8 // 10
    src = base(total, big, now_s)
    versions = [("support-en@1", "score0", "started_at + toIntervalMinute(5)", "1"),
                ("support-en@2", "toUInt8((score0 * 7 + 13) % 101)", "started_at + toIntervalDay(30)",
                 "in_big AND n % 20 = 0")]
    statements = []
    for scorecard, score, scored_at, where in versions:
        statements.append(f"""INSERT INTO calls SELECT member_id, call_id, '{scorecard}', 'support-en',
            concat(member_id, '.bitrix24.test'), n, 'LINE1', if(n % 3 = 0, 'outgoing', 'incoming'),
            1 + n % 50, started_at, 30 + n % 600, 'en', {score} AS score,
            multiIf(score >= 80, 'good', score >= 60, 'needs_attention', 'poor'),
            if(n % 10 = 0, 'fail', 'pass'), concat('Customer asked about order ', toString(n % 1000), '; agent explained the delivery options.'),
            if(score < 80, ['Confirm the address', 'Close politely'], []), 30 + n % 60, 25 + n % 50, n % 10,
            14, [contact], [deal], [], [], map('asr', 'tiny.en', 'analyzer', 'rules@1', 'scorecard', '{scorecard}'),
            'tiny.en', 'rules@1', {scored_at}, now64(3) FROM {src} WHERE {where}""")
        statements.append(f"""INSERT INTO call_criteria SELECT member_id, call_id, '{scorecard}', criterion,
            concat('Label of ', criterion), 1.0, criterion = 'verification', criterion = 'verification',
            if(cityHash64(n, criterion) % 3 = 0, 'not_met', 'met') AS verdict, if(verdict = 'met', 1.0, 0.0),
            if(verdict = 'met', ['my name is <PERSON>'], []), 'support-en', started_at, {scored_at}, now64(3),
            if(verdict = 'met', [0], []), if(verdict = 'met', [0.5], [])
            FROM {src} ARRAY JOIN {list(CRITERIA)} AS criterion WHERE {where}""")
    statements.append(f"""INSERT INTO call_status SELECT member_id, call_id, if(k = 0, 'processing', 'done'),
        if(k = 0, 'ingest', 'score'), '', true, n, started_at, if(n % 3 = 0, 'outgoing', 'incoming'), 1 + n % 50,
        30 + n % 600, [contact], [deal], [], [], if(k = 0, started_at + toIntervalMinute(1), started_at + toIntervalMinute(5)),
        now64(3) FROM {src} ARRAY JOIN [0, 1] AS k""")
    statements.append(f"""INSERT INTO call_transcripts SELECT member_id, call_id, 'en',
        concat('blob://', member_id, '/', call_id, '/recording.wav'), 60.0, 2, [0.5, 3.2, 7.0, 12.5], [3.0, 6.8, 12.0, 15.0],
        ['agent', 'client', 'agent', 'client'],
        ['Thank you for calling, my name is <PERSON>.', concat('I have a question about order ', toString(n % 1000), '.'),
         'Let me check that for you.', 'Thank you, goodbye.'], started_at + toIntervalMinute(3), now64(3) FROM {src}""")
    timings = {}
    for statement in statements:
        table = statement.split()[2]
        start = time.perf_counter()
        client.command(statement)
        timings[table] = timings.get(table, 0.0) + time.perf_counter() - start
    return timings


def wait_for_merges(client, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and client.command(
            "SELECT count() FROM system.merges WHERE database = currentDatabase()"):
        time.sleep(2)


def fake_scores(n: int, offset: int, now: datetime) -> list[dict]:
    """Decoded aica.CallScore records (the sink's input) for the insert measurement."""
    out = []
    for i in range(offset, offset + n):
        started = now - timedelta(minutes=i)
        ctx = {"call_id": f"ins.{i}", "member_id": "ins", "domain": "ins.test", "activity_id": i,
               "project": "support-en", "language": "en", "line": "L1", "direction": "incoming",
               "responsible_id": 11, "started_at": started, "duration_s": 61.5,
               "bindings": [{"entity_type": "contact", "entity_id": i % 997},
                            {"entity_type": "deal", "entity_id": i % 1499}],
               "versions": {"asr": "tiny.en", "analyzer": "rules@1"}}
        criteria = [{"id": c, "label": c, "weight": 1.0, "critical": False, "compliance": False,
                     "verdict": "met", "points": 1.0, "evidence": [{"quote": "my name is <PERSON>", "segment": 0, "start": 0.5}]}
                    for c in CRITERIA]
        out.append({"context": ctx, "scorecard": "support-en@1", "score": i % 101, "outcome": "good",
                    "compliance": "pass", "summary": "Refund explained.", "improvements": ["Close politely"],
                    "criteria": criteria, "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 6.5,
                                                   "segments": 4},
                    "scored_at": started + timedelta(minutes=5)})
    return out


def insert_cost(client, calls: int, batch: int) -> tuple[list[float], list[float]]:
    """Calls per wall second and per CPU second (of the whole process, chdb included) through
    the writer: ([today's], [with call_entities])."""
    old_schema(client, "ins_before")
    ClickHouseWriter(client, "ins_after").ensure_schema()
    writer, now, spent, cpu = ClickHouseWriter(client, "ins_after"), datetime.now(UTC), [0.0, 0.0], [0.0, 0.0]
    for k, offset in enumerate(range(0, calls, batch)):
        scores = fake_scores(batch, offset, now)
        for which in ((0, 1) if k % 2 else (1, 0)):
            client.database = ("ins_before", "ins_after")[which]
            start, cpu_start = time.perf_counter(), time.process_time()
            if which == 0:
                before.write_scores_and_statuses(client, scores, map(status_row_from_score, scores))
            else:  # as the sink writes: its redelivery check included (today's frozen copy has none)
                gc_paused(write_new_scores)(client, writer, scores)
            spent[which] += time.perf_counter() - start
            cpu[which] += time.process_time() - cpu_start
    client.database = DB
    return [calls / spent[0], calls / cpu[0]], [calls / spent[1], calls / cpu[1]]


def timed(fn, *args, **kwargs) -> tuple[float, float, object]:
    """(wall ms, CPU ms of the whole process: chdb's query threads included, the machine's
    other load not), result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, result


def trend_endpoint(module, client, member_id, entity_type, entity_id, days, until):
    if hasattr(module, "trend_with_series"):  # the endpoint's one read since the index is shared
        return module.trend_with_series(client, member_id, entity_type, entity_id, days, until)
    return (module.trend(client, member_id, entity_type, entity_id, days, until),
            module.trend_by_scorecard(client, member_id, entity_type, entity_id, days, until))


def measure_reads(client, total: int, entities: int, baseline_entities: int, seed: int,
                  today) -> dict[str, tuple[list, list]]:
    big = total * 8 // 10
    contacts, deals = max(1, big * 200_000 // 8_000_000), max(1, big * 300_000 // 8_000_000)
    rng = random.Random(seed)
    cases = {
        "score_trend 90 d": lambda i: ((before.score_trend, after.score_trend),
                                       (client, BIG, ("contact", "deal")[i % 2],
                                        rng.randint(1, (contacts, deals)[i % 2]), 90), {"until": today}),
        "trend endpoint 90 d": lambda i: ((lambda *a: trend_endpoint(before, *a), lambda *a: trend_endpoint(after, *a)),
                                          (client, BIG, ("contact", "deal")[i % 2],
                                           rng.randint(1, (contacts, deals)[i % 2]), 90, today), {}),
        "entity_calls 20": lambda i: ((before.entity_calls, after.entity_calls),
                                      (client, BIG, "contact", rng.randint(1, contacts), 20), {}),
        # Every 4th call is asked for under its first version: a rescored one shows both.
        "call_detail": lambda i: ((before.call_detail, after.call_detail),
                                  (client, BIG, f"{BIG}.{20 * rng.randrange(big // 20) if i % 4 == 0 else rng.randrange(big)}",
                                   "support-en@1" if i % 4 == 0 else None), {}),
    }
    def on_previous_layout(fn):
        def read(*args, **kwargs):
            client.database = PREV
            try:
                return fn(*args, **kwargs)
            finally:
                client.database = DB
        return read

    has_prev = bool(client.command(f"EXISTS DATABASE {PREV}"))
    out = {}
    for name, case in cases.items():
        times: tuple[list, ...] = ([], [], [])
        cpu: tuple[list, ...] = ([], [], [])
        for i in range(entities + 3):  # the first 3: warm-up, not counted
            (old_fn, new_fn), args, kwargs = case(i)
            fns = (old_fn, on_previous_layout(new_fn) if has_prev else None, new_fn)
            order = ((0, 1, 2), (1, 2, 0), (2, 0, 1))[i % 3]  # each variant first in turn
            results = {}
            for which in order:
                baseline_skipped = i in (1, 2) or i >= baseline_entities + 3  # one warm-up for the scans
                if fns[which] is None or (which == 0 and baseline_skipped):
                    continue
                ms, cpu_ms, results[which] = timed(fns[which], *args, **kwargs)
                if i >= 3:
                    times[which].append(ms)
                    cpu[which].append(cpu_ms)
            answers = list(results.values())
            if any(answer != answers[0] for answer in answers[1:]):
                raise AssertionError(f"{name}: results differ for {args[1:]}: {results}")
        out[name] = times
        out[name + " (CPU)"] = cpu
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def generate(client, calls: int) -> None:
    old_schema(client, DB)
    now = datetime.now(UTC).replace(microsecond=0)
    start = time.perf_counter()
    timings = generate_tables(client, calls, int(now.timestamp()))
    print(f"generated {calls:,} calls in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{t} {s:.0f} s" for t, s in timings.items()))
    wait_for_merges(client, 300)


def keep_previous_layout(client) -> None:
    """Before the upgrade: PREV, the generated tables hard-linked (ATTACH PARTITION FROM), with
    call_entities, so the reads can run on the old granules and the new ones in the same run."""
    if not stale_tables(client, DB):
        return
    client.command(f"DROP DATABASE IF EXISTS {PREV} SYNC")
    client.command(f"CREATE DATABASE {PREV}")
    for (name,) in client.query("SELECT name FROM system.tables WHERE database = {d:String}",
                                parameters={"d": DB}).result_rows:
        client.command(f"CREATE TABLE {PREV}.{name} AS {DB}.{name}")
        client.command(f"ALTER TABLE {PREV}.{name} ATTACH PARTITION tuple() FROM {DB}.{name}")
    if not client.command(f"EXISTS TABLE {PREV}.call_entities"):
        client.command(TABLE_DDL["call_entities"].format(db=PREV))
        for statement in BACKFILL_STATEMENTS:
            client.command(statement.format(db=PREV))


def upgrade(client) -> None:
    """ensure_schema as on an existing database: creates call_entities and backfills it once, and
    rebuilds the keyed tables with small granules once."""
    keep_previous_layout(client)
    start = time.perf_counter()
    ClickHouseWriter(client, DB).ensure_schema()
    rows = client.command("SELECT count() FROM call_entities")
    print(f"upgrade (ensure_schema: call_entities backfill if missing, {rows:,} rows; rebuild of the keyed"
          f" tables with {KEYED_GRANULE}-row granules if stale): {time.perf_counter() - start:.0f} s")
    wait_for_merges(client, 300)
    sizes = client.query("SELECT table, sum(rows), formatReadableSize(sum(bytes_on_disk)) FROM system.parts"
                         " WHERE active AND database = currentDatabase() GROUP BY table ORDER BY table").result_rows
    print("tables: " + ", ".join(f"{t} {r:,} rows {b}" for t, r, b in sizes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--insert-calls", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=Settings().clickhouse_scores_batch_size,
                        help="calls per insert batch (default: the sink's for scored calls; it was 500)")
    parser.add_argument("--baseline-entities", type=int, default=None,
                        help="run today's scans on only the first N entities (they take seconds each)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--data-dir", help="keep the generated database here; a later run with the same"
                                           " dir (and --calls) measures the reads again without regenerating")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aica-bench-reads-") as temp_dir:
        data_dir = Path(args.data_dir or temp_dir)
        client = connect(Settings(data_dir=data_dir, clickhouse_database=DB))
        if not (data_dir / "generated").exists():
            if args.insert_calls:
                (wall_before, cpu_before), (wall_after, cpu_after) = insert_cost(client, args.insert_calls, args.batch)
                print(f"insert: {args.insert_calls} calls in batches of {args.batch}: today {wall_before:,.0f} calls/s"
                      f" ({cpu_before:,.0f} per CPU second), with call_entities {wall_after:,.0f} calls/s"
                      f" ({cpu_after:,.0f} per CPU second)")
            generate(client, args.calls)
            (data_dir / "generated").write_text(str(args.calls))
        upgrade(client)
        if args.generate_only:
            client.close()
            return
        today = datetime.now(UTC).date()
        baseline_entities = args.baseline_entities or args.entities
        load = os.getloadavg()[0]
        results = measure_reads(client, args.calls, args.entities, baseline_entities, args.seed, today)
        print(f"load average (1 min) at start and end of the reads: {load:.1f}, {os.getloadavg()[0]:.1f}"
              f" on {os.cpu_count()} cores")
        print(f"\n{'read':<22}{'today p50':>11}{'today p95':>11}{'8192 p50':>10}{'8192 p95':>10}"
              f"{'new p50':>10}{'new p95':>10}  (ms; today over {baseline_entities} entities, the others over"
              f" {args.entities}; prev: the new reads on the tables as before this upgrade)")
        for name, variants in results.items():
            cells = [f"{pct(v, q):>10.1f}" if v else f"{'-':>10}" for v in variants for q in (50, 95)]
            print(f"{name:<22}" + " ".join(cells))
        client.close()


if __name__ == "__main__":
    main()
