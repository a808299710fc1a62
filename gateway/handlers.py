"""Thin handlers: read -> verify -> map -> dedup -> publish (or spool) -> 200. A check that
fails raises `Refused`, which the app's middleware answers as JSON (httpapi.errors).

Logs carry member_id, event and entity_id only: never bodies, tokens or signatures."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

from aiohttp import web

from gateway.install import receive_lifecycle_event
from gateway.intake import JSON_TYPE, accept, read_body, read_form
from gateway.keys import DURABLE_PUBLISHER, PORTAL_SETTINGS, PORTALS, RELAY_SECRETS, SETTINGS
from gateway.mapping import LIFECYCLE_EVENTS, check_event_name, parse_form_event, parse_relay_envelope, to_record
from gateway.verify import known_active_portal, sending_portal, verify_portal, verify_relay_signature

async def receive_bitrix_event(request: web.Request) -> web.Response:
    """Bitrix24's own delivery: form-urlencoded, authenticated by auth[application_token]."""
    settings = request.app[SETTINGS]
    form = await read_form(request, settings.max_body_bytes)
    if str(form.get("event") or "").strip().upper() in LIFECYCLE_EVENTS:
        return await receive_lifecycle_event(request, form, str(form["event"]).strip().upper())
    incoming = parse_form_event(form)
    check_event_name(incoming.event)
    portal = verify_portal(sending_portal(request.app[PORTALS], incoming.member_id, incoming.domain),
                           incoming.application_token, incoming.domain)
    # Keyed by the portal's own key (a webhook portal's may not be the event's member_id).
    incoming = replace(incoming, member_id=portal.member_id)
    return await accept(request.app, to_record(incoming, portal.domain, datetime.now(timezone.utc), "bitrix24"))


async def receive_relay_event(request: web.Request) -> web.Response:
    """A relay we control re-emits a verified event as signed JSON."""
    settings = request.app[SETTINGS]
    body = await read_body(request, JSON_TYPE, settings.max_body_bytes)
    # Parsed only to learn whose secrets apply; nothing in it is trusted until verified.
    incoming = parse_relay_envelope(body)
    verify_relay_signature(request.headers.get("X-Signature"), request.headers.get("X-Timestamp"), body,
                           relay_secrets_for(request.app, incoming.member_id), time.time(),
                           settings.relay_max_skew_s)
    check_event_name(incoming.event)
    portal = known_active_portal(request.app[PORTALS].get(incoming.member_id))
    return await accept(request.app, to_record(incoming, portal.domain, datetime.now(timezone.utc), "relay"))


def relay_secrets_for(app: web.Application, member_id: str) -> tuple[bytes, ...]:
    """The global relay secrets plus the portal's own (current, and previous within its overlap)."""
    store = app[PORTAL_SETTINGS]
    own = store.get(member_id) if store is not None else None
    return tuple(app[RELAY_SECRETS]) + (own.relay_secrets(time.time()) if own is not None else ())


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ready, body = await request.app[DURABLE_PUBLISHER].readiness()
    return web.json_response(body, status=200 if ready else 503)
