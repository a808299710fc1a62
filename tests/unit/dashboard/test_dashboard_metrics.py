"""ClickHouse insert latency in the metrics after real inserts into chdb, and no /app/metrics on
the public dashboard (its process, the worker, serves them on its own port)."""
from __future__ import annotations

from prometheus_client import REGISTRY, generate_latest

from dashboard_records import context, score_record
from warehouse.writer import ClickHouseWriter


async def test_metrics_show_clickhouse_inserts(dashboard, portal_a):
    before = REGISTRY.get_sample_value("aica_clickhouse_insert_seconds_count", {"table": "calls"}) or 0.0
    writer = ClickHouseWriter(dashboard.clickhouse, dashboard.settings.clickhouse_database)
    writer.write_scores([score_record(context(portal_a.state.member_id, 901))])
    assert (await dashboard.client.get("/app/metrics")).status == 404
    text = generate_latest(REGISTRY).decode()
    assert 'aica_clickhouse_insert_seconds_count{table="calls"}' in text
    assert REGISTRY.get_sample_value("aica_clickhouse_insert_seconds_count", {"table": "calls"}) == before + 1
