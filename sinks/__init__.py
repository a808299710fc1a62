"""Sinks: where scored calls leave the pipeline (CRM fields, ClickHouse metrics)."""
