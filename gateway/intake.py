"""Taking a request in: the envelope checks and body readers every entry point uses, and
`accept`, which makes a verified record durable (dedup, then broker ack or spool) before the 200."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from bitrix.forms import FormShapeError, unflatten
from gateway.keys import DEDUP, DURABLE_PUBLISHER, SETTINGS
from gateway.mapping import RECORD_NAME
from httpapi.errors import Refused
from schemas import registry
from streams.metrics import EVENTS_ACCEPTED
from streams.topics import Topic

log = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


def check_envelope(request: web.Request, content_type: str, max_body_bytes: int) -> None:
    """Content type and declared size, checked before a byte of the body is read."""
    if request.content_type != content_type:
        raise Refused(415, "unsupported_media_type", f"Content-Type must be {content_type}")
    if request.content_length is not None and request.content_length > max_body_bytes:
        raise Refused(413, "body_too_large", f"body is over {max_body_bytes} bytes")


async def read_form(request: web.Request, max_body_bytes: int) -> dict[str, Any]:
    check_envelope(request, FORM_TYPE, max_body_bytes)
    try:
        # A chunked body has no Content-Length: client_max_size stops it while reading.
        fields = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "body_too_large", f"body is over {max_body_bytes} bytes") from None
    except ValueError:  # includes UnicodeDecodeError
        raise Refused(400, "malformed_form", "body is not valid form-urlencoded UTF-8") from None
    try:
        return unflatten((key, str(value)) for key, value in fields.items())
    except FormShapeError:
        raise Refused(400, "malformed_form", "form keys do not nest consistently") from None


async def read_body(request: web.Request, content_type: str, max_body_bytes: int) -> bytes:
    check_envelope(request, content_type, max_body_bytes)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "body_too_large", f"body is over {max_body_bytes} bytes") from None


async def accept(app: web.Application, record: dict[str, Any]) -> web.Response:
    """Dedup, then publish with a broker ack (or spool); 200 only once the record is durable."""
    dedup, event_id = app[DEDUP], record["event_id"]
    fields = (record["member_id"], record["event"], record["entity_id"])
    if not dedup.claim(event_id):
        log.info("duplicate member_id=%s event=%s entity_id=%s", *fields)
        EVENTS_ACCEPTED.labels("duplicate").inc()
        return web.json_response({"status": "duplicate", "event_id": event_id})
    try:
        value = registry.encode(RECORD_NAME, record)
        # Shielded: a client hanging up mid-publish must not leave the record neither sent nor spooled.
        outcome = await asyncio.shield(app[DURABLE_PUBLISHER].deliver(
            app[SETTINGS].topic(Topic.EVENTS.value), record["member_id"].encode(), value))
    except BaseException:
        dedup.release(event_id)
        raise
    log.info("accepted member_id=%s event=%s entity_id=%s delivery=%s", *fields, outcome)
    EVENTS_ACCEPTED.labels(outcome).inc()
    return web.json_response({"status": "accepted", "delivery": outcome, "event_id": event_id})
