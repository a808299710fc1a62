"""Thin handlers: read -> verify -> map -> dedup -> publish (or spool) -> 200.

Logs carry member_id, event and entity_id only: never bodies, tokens or signatures."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from bitrix.forms import FormShapeError, unflatten
from gateway.errors import Refused
from gateway.install import receive_lifecycle_event
from gateway.keys import DEDUP, DELIVERY, PORTAL_SETTINGS, PORTALS, RELAY_SECRETS, SETTINGS
from gateway.mapping import (LIFECYCLE_EVENTS, RECORD_NAME, check_event_name, parse_form_event,
                             parse_relay_envelope, to_record)
from gateway.verify import known_active_portal, verify_portal, verify_relay_signature
from schemas import registry
from streams.topics import Topic

log = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


def refusal_response(refusal: Refused) -> web.Response:
    log.info("refused %d %s", refusal.status, refusal.code)
    return web.json_response({"error": refusal.code, "reason": refusal.reason}, status=refusal.status)


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


async def receive_bitrix_event(request: web.Request) -> web.Response:
    """Bitrix24's own delivery: form-urlencoded, authenticated by auth[application_token]."""
    settings = request.app[SETTINGS]
    try:
        form = await read_form(request, settings.max_body_bytes)
        if str(form.get("event") or "").strip().upper() in LIFECYCLE_EVENTS:
            return await receive_lifecycle_event(request, form, str(form["event"]).strip().upper())
        incoming = parse_form_event(form)
        check_event_name(incoming.event)
        portal = verify_portal(request.app[PORTALS].get(incoming.member_id),
                               incoming.application_token, incoming.domain)
        record = to_record(incoming, portal.domain, datetime.now(timezone.utc), "bitrix24")
    except Refused as refusal:
        return refusal_response(refusal)
    return await accept(request.app, record)


async def receive_relay_event(request: web.Request) -> web.Response:
    """A relay we control re-emits a verified event as signed JSON."""
    settings = request.app[SETTINGS]
    try:
        body = await read_body(request, JSON_TYPE, settings.max_body_bytes)
        # Parsed only to learn whose secrets apply; nothing in it is trusted until verified.
        incoming = parse_relay_envelope(body)
        verify_relay_signature(request.headers.get("X-Signature"), request.headers.get("X-Timestamp"), body,
                               relay_secrets_for(request.app, incoming.member_id), time.time(),
                               settings.relay_max_skew_s)
        check_event_name(incoming.event)
        portal = known_active_portal(request.app[PORTALS].get(incoming.member_id))
        record = to_record(incoming, portal.domain, datetime.now(timezone.utc), "relay")
    except Refused as refusal:
        return refusal_response(refusal)
    return await accept(request.app, record)


def relay_secrets_for(app: web.Application, member_id: str) -> tuple[bytes, ...]:
    """The global relay secrets plus the portal's own (current, and previous within its overlap)."""
    store = app[PORTAL_SETTINGS]
    own = store.get(member_id) if store is not None else None
    return tuple(app[RELAY_SECRETS]) + (own.relay_secrets(time.time()) if own is not None else ())


async def accept(app: web.Application, record: dict[str, Any]) -> web.Response:
    """Dedup, then publish with a broker ack (or spool); 200 only once the record is durable."""
    dedup, event_id = app[DEDUP], record["event_id"]
    fields = (record["member_id"], record["event"], record["entity_id"])
    if not dedup.claim(event_id):
        log.info("duplicate member_id=%s event=%s entity_id=%s", *fields)
        return web.json_response({"status": "duplicate", "event_id": event_id})
    try:
        value = registry.encode(RECORD_NAME, record)
        # Shielded: a client hanging up mid-publish must not leave the record neither sent nor spooled.
        outcome = await asyncio.shield(app[DELIVERY].deliver(
            app[SETTINGS].topic(Topic.EVENTS.value), record["member_id"].encode(), value))
    except BaseException:
        dedup.release(event_id)
        raise
    log.info("accepted member_id=%s event=%s entity_id=%s delivery=%s", *fields, outcome)
    return web.json_response({"status": "accepted", "delivery": outcome, "event_id": event_id})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ready, body = await request.app[DELIVERY].readiness()
    return web.json_response(body, status=200 if ready else 503)
