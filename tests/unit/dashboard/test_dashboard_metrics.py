"""The dashboard's /app/metrics (no session needed: it is for the scraper, kept off the public
proxy), showing ClickHouse insert latency after real inserts into chdb."""
from __future__ import annotations

from prometheus_client import REGISTRY

from dashboard_records import context, score_record
from warehouse.writer import ClickHouseWriter


async def test_metrics_show_clickhouse_inserts(dashboard, portal_a):
    before = REGISTRY.get_sample_value("aica_clickhouse_insert_seconds_count", {"table": "calls"}) or 0.0
    writer = ClickHouseWriter(dashboard.clickhouse, dashboard.settings.clickhouse_database)
    writer.write_scores([score_record(context(portal_a.state.member_id, 901))])
    response = await dashboard.client.get("/app/metrics")
    assert response.status == 200
    text = await response.text()
    assert 'aica_clickhouse_insert_seconds_count{table="calls"}' in text
    assert REGISTRY.get_sample_value("aica_clickhouse_insert_seconds_count", {"table": "calls"}) == before + 1
