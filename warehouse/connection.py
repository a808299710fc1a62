"""One ClickHouse client for every process: in-process chdb (`chdb:///dir`, the embedded default)
or a server (`http(s)://`), through clickhouse-connect. Only one process may open a chdb dir."""
from __future__ import annotations

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from streams.settings import Settings
from warehouse.schema import quoted_identifier


def connect(settings: Settings) -> Client:
    """A client on settings.resolved_clickhouse_dsn (chdb:///dir in-process, or http(s)://),
    with settings.clickhouse_database created and selected. Only one process may open a chdb dir."""
    database = settings.clickhouse_database
    # tz_mode="aware": DateTime64 values come back as UTC-aware datetimes, like decoded Avro.
    client = clickhouse_connect.get_client(dsn=settings.resolved_clickhouse_dsn, tz_mode="aware")
    try:
        client.command(f"CREATE DATABASE IF NOT EXISTS {quoted_identifier(database)}")
    except Exception:
        client.close()
        raise
    client.database = database
    return client


def table(client: Client, name: str, database: str | None) -> str:
    """`db`.`name` for an explicit database, else the client's selected one."""
    database = database or client.database
    return f"{quoted_identifier(database)}.{name}" if database else name
