"""Load the .avsc contracts once; encode/decode with Avro single-object encoding.

Wire format (Avro spec, "single object encoding"): C3 01, the 8-byte little-endian CRC-64-AVRO
fingerprint of the writer schema's canonical form, then the schemaless body. No registry server:
every schema version ever released is kept in released/<Name>/<fingerprint>.avsc, so a reader
finds the writer schema by fingerprint and resolves it to the current (reader) schema.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro
import yaml
from fastavro.schema import fingerprint, to_parsing_canonical_form

HERE = Path(__file__).parent
AVRO_DIR = HERE / "avro"
RELEASED_DIR = HERE / "released"
MAGIC = b"\xc3\x01"


class SchemaError(ValueError):
    """The bytes are not a record of a known contract."""


@dataclass(frozen=True)
class Contract:
    name: str  # full name, e.g. aica.Transcript
    parsed: Any  # fastavro parsed schema, fully expanded
    canonical: str
    fingerprint: bytes


def _load_raw() -> dict[str, dict]:
    schemas = [json.loads(p.read_text()) for p in sorted(AVRO_DIR.glob("*.avsc"))]
    return {f"{s['namespace']}.{s['name']}": s for s in schemas}


def _parse_all(raw: dict[str, dict]) -> dict[str, Any]:
    """Parse schemas that reference each other by name, in whatever order resolves."""
    named: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    pending = dict(raw)
    while pending:
        progressed = False
        for name, schema in list(pending.items()):
            try:
                fastavro.parse_schema(schema, named_schemas=named)
            except fastavro.schema.UnknownType:
                continue
            parsed[name] = fastavro.parse_schema(schema, named_schemas=dict(named), expand=True)
            del pending[name]
            progressed = True
        if not progressed:
            raise SchemaError(f"unresolvable schema references in {sorted(pending)}")
    return parsed


def _contract(name: str, expanded: Any) -> Contract:
    # The fingerprint is over the canonical form (no docs, defaults or logical types); the
    # parsed schema keeps logical types so timestamps round-trip as datetimes.
    canonical = to_parsing_canonical_form(expanded)
    fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
    return Contract(name, fastavro.parse_schema(_plain(expanded)), canonical, fp)


def _plain(schema: Any) -> Any:
    """A parsed fastavro schema carries private keys (__fastavro_parsed); drop them for reuse."""
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if not k.startswith("__")}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


@lru_cache(maxsize=1)
def current() -> dict[str, Contract]:
    """The schema each record type is written with today."""
    return {name: _contract(name, schema) for name, schema in _parse_all(_load_raw()).items()}


@lru_cache(maxsize=1)
def released() -> dict[bytes, Contract]:
    """Every released writer schema by fingerprint (includes today's once released)."""
    out: dict[bytes, Contract] = {}
    for path in sorted(RELEASED_DIR.glob("*/*.avsc")):
        contract = _contract(path.parent.name, json.loads(path.read_text()))  # full expanded schema
        out[contract.fingerprint] = contract
    for contract in current().values():
        out.setdefault(contract.fingerprint, contract)
    return out


@lru_cache(maxsize=1)
def topics() -> dict[str, dict]:
    return yaml.safe_load((HERE / "topics.yaml").read_text())["topics"]


def encode(record_name: str, record: dict) -> bytes:
    contract = current()[record_name]
    buf = io.BytesIO()
    buf.write(MAGIC)
    buf.write(contract.fingerprint)
    try:
        fastavro.schemaless_writer(buf, contract.parsed, record, strict_allow_default=True)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SchemaError(f"record does not match {record_name}: {_violation(exc)}") from None
    return buf.getvalue()


def _violation(exc: Exception) -> str:
    """The error type and field path only: fastavro's message can quote the offending value
    (transcript text, names), and this reason ends up in logs and dead letters."""
    text = str(exc)
    if missing := re.match(r"Field \w+ is specified in the schema but missing from the record", text):
        return missing.group()
    fields = re.findall(r" on field ([A-Za-z_][A-Za-z0-9_]*)", text)
    return type(exc).__name__ + (f" on field {'.'.join(reversed(fields))}" if fields else "")


def writer_of(data: bytes) -> Contract:
    if len(data) < 10 or data[:2] != MAGIC:
        raise SchemaError("not Avro single-object encoded (missing C3 01 header)")
    contract = released().get(data[2:10])
    if contract is None:
        raise SchemaError(f"unknown writer schema fingerprint {data[2:10].hex()}")
    return contract


def decode(record_name: str, data: bytes) -> dict:
    """Decode bytes written with any released version of record_name into today's shape."""
    writer = writer_of(data)
    if writer.name != record_name:
        raise SchemaError(f"expected {record_name}, got {writer.name}")
    reader = current()[record_name]
    try:
        return fastavro.schemaless_reader(io.BytesIO(data[10:]), writer.parsed, reader.parsed)
    except Exception as exc:  # fastavro raises a mix of types on corrupt bodies
        raise SchemaError(f"corrupt {record_name} body: {exc}") from exc


def can_read(reader: Contract, writer: Contract, samples: int = 20) -> str | None:
    """None if `reader` resolves data written with `writer` (Avro schema resolution), else why not.
    Checked on generated records of the writer schema, so every field and branch is exercised."""
    from fastavro.utils import generate_many
    for record in generate_many(writer.parsed, samples):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, writer.parsed, record)
        buf.seek(0)
        try:
            fastavro.schemaless_reader(buf, writer.parsed, reader.parsed)
        except Exception as exc:  # SchemaResolutionError and friends
            return f"{type(exc).__name__}: {exc}"
    return None


def incompatible_releases() -> list[str]:
    """Released writer schemas that today's reader schemas can no longer read."""
    problems = []
    for contract in released().values():
        reader = current().get(contract.name)
        if reader is None:
            problems.append(f"{contract.name}: released but no longer defined")
        elif (why := can_read(reader, contract)) is not None:
            problems.append(f"{contract.name} {contract.fingerprint.hex()}: {why}")
    return problems


def unreleased() -> list[str]:
    """Record types whose current schema has not been frozen into released/."""
    return [c.name for c in current().values()
            if not (RELEASED_DIR / c.name / f"{c.fingerprint.hex()}.avsc").exists()]


def release() -> list[Path]:
    """Freeze today's schemas into released/ (run after a compatible change). Returns new files."""
    written = []
    for contract in current().values():
        path = RELEASED_DIR / contract.name / f"{contract.fingerprint.hex()}.avsc"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_plain(contract.parsed), indent=1) + "\n")
            written.append(path)
    released.cache_clear()
    return written


if __name__ == "__main__":
    for p in release():
        print("released", p.relative_to(HERE))


def epoch_ms(value: Any) -> int:
    """An Avro timestamp-millis as decoded (a datetime) or as written (an int) -> epoch ms; 0 for None."""
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value or 0)
