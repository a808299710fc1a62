"""One-time rebuild of a table whose storage settings changed in warehouse.schema (ClickHouse
cannot change index_granularity after creation, and a changed compressed block size would only
reach parts written after the change): a copy is created from today's DDL, filled with
INSERT ... SELECT, swapped in with EXCHANGE TABLES, and the old one dropped. The table's own
settings mark it done: a table created with the DDL's granules is never rebuilt.

Rows written while the copy runs: every table here has `inserted_at` (DEFAULT now64(3)), so after
the swap the rows the old table got since the copy began (less a second's margin) are copied
again, except those the copy already holds (same sorting key and insert time): nothing is
doubled. Only an insert still in flight into the old table after that second copy could be lost,
so run it at start-up, before the sinks consume (ensure_schema's place)."""
from __future__ import annotations

import re

from clickhouse_connect.driver.client import Client

from warehouse.schema import MIGRATIONS, TABLE_DDL, quoted_identifier

_SETTING = re.compile(r"\b(\w+ = \d+)")
_SUFFIX = "__rebuild"
_ALTERABLE = ("min_compress_block_size", "max_compress_block_size")


def _missing_settings(client: Client, database: str) -> dict[str, list[str]]:
    """{table: the DDL's storage settings (`name = number` after SETTINGS) it was not created with}."""
    engines = dict(client.query("SELECT name, engine_full FROM system.tables WHERE database = {d:String}",
                                parameters={"d": database}).result_rows)
    missing = {}
    for name, ddl in TABLE_DDL.items():
        wanted = _SETTING.findall(ddl.partition("SETTINGS")[2])
        if name in engines and (lacking := [s for s in wanted if s not in engines[name]]):
            missing[name] = lacking
    return missing


def stale_tables(client: Client, database: str) -> list[str]:
    """Tables missing one of their DDL's storage settings, e.g. created with 8,192-row granules or
    64 KiB compressed blocks."""
    return list(_missing_settings(client, database))


def rewrite_in_place(client: Client, database: str, name: str, settings: list[str]) -> int:
    """Settings ClickHouse can alter (the compressed block sizes): set, then OPTIMIZE FINAL
    rewrites every part with them (a merge: the table stays readable and writable meanwhile)."""
    db = quoted_identifier(database)
    client.command(f"ALTER TABLE {db}.{name} MODIFY SETTING {', '.join(settings)}")
    client.command(f"OPTIMIZE TABLE {db}.{name} FINAL")
    return int(client.command(f"SELECT count() FROM {db}.{name}"))


def rebuild(client: Client, database: str, name: str) -> int:
    """Rebuilds `name` with its DDL's settings; returns the rows copied."""
    db = quoted_identifier(database)
    copy = f"{name}{_SUFFIX}"
    client.command(f"DROP TABLE IF EXISTS {db}.{copy} SYNC")  # a rebuild interrupted before the swap
    client.command(TABLE_DDL[name].format(db=db).replace(f"{db}.{name} (", f"{db}.{copy} (", 1))
    for migration in MIGRATIONS:
        if f"{{db}}.{name} " in migration:
            client.command(migration.replace(f"{{db}}.{name} ", f"{{db}}.{copy} ").format(db=db))
    columns = ", ".join(f"`{c}`" for (c,) in client.query(
        "SELECT name FROM system.columns WHERE database = {d:String} AND table = {t:String} ORDER BY position",
        parameters={"d": database, "t": copy}).result_rows)
    began = client.query("SELECT now64(3, 'UTC') - INTERVAL 1 SECOND").result_rows[0][0]  # margin: clock steps
    client.command(f"INSERT INTO {db}.{copy} ({columns}) SELECT {columns} FROM {db}.{name}")
    client.command(f"EXCHANGE TABLES {db}.{name} AND {db}.{copy}")
    # The catch-up: rows the old table got since the copy began, except those the copy already has
    # (same sorting key and insert time), so call_status (a plain MergeTree) gets no duplicates.
    key = client.command("SELECT sorting_key FROM system.tables WHERE database = {d:String} AND name = {t:String}",
                         parameters={"d": database, "t": name})
    identity = f"({key}, inserted_at)"
    client.command(f"INSERT INTO {db}.{name} ({columns}) SELECT {columns} FROM {db}.{copy}"
                   " WHERE inserted_at >= {began:DateTime64(3, 'UTC')}"
                   f" AND {identity} NOT IN (SELECT {identity} FROM {db}.{name}"
                   " WHERE inserted_at >= {began:DateTime64(3, 'UTC')})", parameters={"began": began})
    client.command(f"DROP TABLE {db}.{copy} SYNC")
    return int(client.command(f"SELECT count() FROM {db}.{name}"))


def rebuild_stale_tables(client: Client, database: str) -> dict[str, int]:
    """Every stale table rebuilt, or rewritten in place when it lacks only alterable settings:
    {table: rows}."""
    return {name: rewrite_in_place(client, database, name, missing)
            if all(setting.split(" = ")[0] in _ALTERABLE for setting in missing) else rebuild(client, database, name)
            for name, missing in _missing_settings(client, database).items()}
