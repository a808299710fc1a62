"""Why a ClickHouse write failed, for the sink to choose: retry in place, or isolate the rows.

- transient: the server or the connection (unreachable, timeout, overloaded, read-only, schema
  not there yet). Nothing is wrong with the rows: retry with backoff; the sink holds the batch.
- data: these rows cannot be stored, ever (a value out of its column's range, a type mismatch,
  a None where no NULL may go): retrying is pointless; bisect to the offending rows.
- unknown: anything else from the server. Retried a few times (~8 s of backoff), then treated
  as data; a server failing every write this way trips the flood limit rather than draining the
  stream into dead letters.

clickhouse-connect serializes inserts on the client, so most bad values fail here as its
DataError or a Python ValueError/TypeError/OverflowError before a byte is sent; the server's
own errors carry a numeric code (`exc.code`, or "Code: N." in the message)."""
from __future__ import annotations

import re
import struct
from typing import Literal

from clickhouse_connect.driver import exceptions as ch

Kind = Literal["transient", "data", "unknown"]

# ClickHouse error codes (src/Common/ErrorCodes.cpp).
DATA_CODES = frozenset({
    6,    # CANNOT_PARSE_TEXT
    25,   # CANNOT_PARSE_ESCAPE_SEQUENCE
    26,   # CANNOT_PARSE_QUOTED_STRING
    27,   # CANNOT_PARSE_INPUT_ASSERTION_FAILED
    38,   # CANNOT_PARSE_DATE
    41,   # CANNOT_PARSE_DATETIME
    53,   # TYPE_MISMATCH
    69,   # ARGUMENT_OUT_OF_BOUND
    70,   # CANNOT_CONVERT_TYPE
    72,   # CANNOT_PARSE_NUMBER
    117,  # INCORRECT_DATA
    131,  # TOO_LARGE_STRING_SIZE
    190,  # SIZES_OF_ARRAYS_DONT_MATCH
    321,  # VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
    349,  # CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
    376,  # CANNOT_PARSE_UUID
    467,  # CANNOT_PARSE_BOOL
    691,  # UNKNOWN_ELEMENT_OF_ENUM
})
TRANSIENT_CODES = frozenset({
    16, 60, 81,  # NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_TABLE, UNKNOWN_DATABASE: schema not (yet) there
    159,  # TIMEOUT_EXCEEDED
    164,  # READONLY
    202,  # TOO_MANY_SIMULTANEOUS_QUERIES
    203,  # NO_FREE_CONNECTION
    209,  # SOCKET_TIMEOUT
    210,  # NETWORK_ERROR
    236,  # ABORTED
    241,  # MEMORY_LIMIT_EXCEEDED
    242,  # TABLE_IS_READ_ONLY
    252,  # TOO_MANY_PARTS
    279,  # ALL_CONNECTION_TRIES_FAILED
    319,  # UNKNOWN_STATUS_OF_INSERT
    394,  # QUERY_WAS_CANCELLED
    425,  # SYSTEM_ERROR
    999,  # KEEPER_EXCEPTION
    1000,  # POCO_EXCEPTION: I/O and network errors inside the server
})
_CODE = re.compile(r"\bCode: (\d+)\.")


def error_code(exc: BaseException) -> int | None:
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        return code
    match = _CODE.search(str(exc))
    return int(match.group(1)) if match else None


def failure_kind(exc: BaseException) -> Kind:
    if isinstance(exc, (ch.OperationalError, ConnectionError, TimeoutError, OSError)):
        return "transient"  # OperationalError: connection/stream failures (a DatabaseError subclass)
    code = error_code(exc)
    if code in TRANSIENT_CODES:
        return "transient"
    if code in DATA_CODES:
        return "data"
    if isinstance(exc, ch.DatabaseError):
        # Client-side serialization failures are DataError without a server code.
        return "data" if isinstance(exc, ch.DataError) and code is None else "unknown"
    if isinstance(exc, (ValueError, TypeError, OverflowError, struct.error, KeyError)):
        return "data"  # the row could not be turned into ClickHouse's format
    return "unknown"
