"""ClickHouse, the product's warehouse: connection, schema, row mapping, the batched writer, the
CRM write ledger and the read model the dashboard queries. Below the stages and sinks, so the
dashboard and the lifecycle agent read it without importing a sink."""
