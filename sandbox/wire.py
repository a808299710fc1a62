"""Bitrix24 REST wire format: how requests are read and how results and errors are written."""
from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bitrix.forms import FormShapeError, unflatten
from sandbox.state import iso


class RestError(Exception):
    """Answered as `{"error": code, "error_description": description}` with `status`."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.status, self.code, self.description = status, code, description


def not_found() -> RestError:
    # CRM methods answer a missing entity with an empty code (§4.1).
    return RestError(400, "", "Not found")


def time_block(started: float, finished: float) -> dict[str, Any]:
    return {"start": started, "finish": finished, "duration": finished - started,
            "processing": finished - started, "date_start": iso(started),
            "date_finish": iso(finished), "operating_reset_at": int(finished) + 600,
            "operating": 0}


def success(body: dict[str, Any], started: float) -> web.Response:
    """`body` carries `result` and, for list methods, `next` and `total`."""
    return web.json_response({**body, "time": time_block(started, time.time())})


def failure(error: RestError) -> web.Response:
    return web.json_response({"error": error.code, "error_description": error.description},
                             status=error.status)


def lower_keys(params: dict[str, Any]) -> dict[str, Any]:
    """Top-level REST parameter names are case-insensitive (`id` = `ID`, `filter` = `FILTER`)."""
    return {str(key).lower(): value for key, value in params.items()}


def parse_query(query: str) -> dict[str, Any]:
    """A PHP-style query string (`filter[>ID]=5&select[]=*`) as nested params."""
    try:
        return unflatten(parse_qsl(query, keep_blank_values=True))
    except FormShapeError as exc:
        raise RestError(400, "INVALID_REQUEST", str(exc)) from exc


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string and body (JSON or form) merged, body winning, keys lower-cased."""
    params = parse_query(request.query_string)
    if request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/json":
            try:
                body = json.loads(raw or b"{}")
            except ValueError as exc:
                raise RestError(400, "INVALID_REQUEST", "Invalid JSON") from exc
            if not isinstance(body, dict):
                raise RestError(400, "INVALID_REQUEST", "Invalid JSON")
        else:
            body = parse_query(raw.decode("utf-8", "replace"))
        params |= body
    return lower_keys(params)


def as_int(value: Any, name: str = "id") -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError) as exc:
        raise RestError(400, "", f"The parameter '{name}' is invalid or not defined.") from exc


def bitrix_value(value: Any) -> Any:
    """Bitrix24 stores and returns scalars as strings; lists stay lists."""
    if isinstance(value, (list, tuple)):
        return [bitrix_value(v) for v in value]
    if isinstance(value, dict):
        return {k: bitrix_value(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "1" if value else "0"
    return None if value is None else str(value)
