"""The `/_sandbox/` control API (not Bitrix24): tests and the demo create data, place calls,
inject faults and read what the portal was sent."""
from __future__ import annotations

import asyncio
import base64
import dataclasses
import mimetypes
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.calls import CallSpec, create_call
from sandbox.crm import create_entity, delete_field_by_name, entity_view
from sandbox.events import play_call
from sandbox.keys import HTTP, STATE, TASKS
from sandbox.state import LeakyBucket, SandboxState
from sandbox.wire import RestError

routes = web.RouteTableDef()


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """A control API request's JSON object body ({} when there is none); 400 otherwise."""
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError as exc:
        raise web.HTTPBadRequest(text="invalid JSON") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


@routes.post("/_sandbox/contacts")
async def add_contact(request: web.Request) -> web.Response:
    fields = await read_json_object(request)
    return web.json_response({"id": create_entity(request.app[STATE], "contact", fields)})


@routes.post("/_sandbox/deals")
async def add_deal(request: web.Request) -> web.Response:
    fields = await read_json_object(request)
    return web.json_response({"id": create_entity(request.app[STATE], "deal", fields)})


def recording_from(body: dict[str, Any]) -> tuple[str, str, bytes] | None:
    """(file name, content type, bytes) from audio_path or audio_b64; None for no recording."""
    if body.get("audio_path"):
        path = Path(body["audio_path"])
        data, default_name = path.read_bytes(), path.name
    elif body.get("audio_b64"):
        data, default_name = base64.b64decode(body["audio_b64"]), "record.wav"
    else:
        return None
    name = str(body.get("file_name") or default_name)
    return name, mimetypes.guess_type(name)[0] or "application/octet-stream", data


def call_spec(state: SandboxState, body: dict[str, Any]) -> CallSpec:
    """The call as asked; the phone defaults to the contact's first number."""
    known = {f.name for f in dataclasses.fields(CallSpec)}
    fields = {k: v for k, v in body.items() if k in known and v is not None}
    contact = state.contacts.get(int(fields.get("contact_id") or 0))
    if "phone" not in fields and contact and contact.get("PHONE"):
        fields["phone"] = contact["PHONE"][0]["VALUE"]
    return CallSpec(**fields)


@routes.post("/_sandbox/calls")
async def place_call(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    try:
        recording, spec = recording_from(body), call_spec(state, body)
    except (OSError, ValueError, TypeError) as exc:
        raise web.HTTPBadRequest(text=f"bad call: {type(exc).__name__}") from exc
    activity_id, call_id = create_call(state, spec)
    story = play_call(request.app[HTTP], state, activity_id, recording,
                      float(body.get("record_delay_s", 1.0)), bool(body.get("send_events", True)))
    task = asyncio.create_task(story)
    request.app[TASKS].add(task)
    task.add_done_callback(request.app[TASKS].discard)
    return web.json_response({"activity_id": activity_id, "call_id": call_id})


@routes.post("/_sandbox/config")
async def configure(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    for name in ("event_handler_url", "event_handler_id", "access_ttl_s"):
        if name in body:
            setattr(state, name, type(getattr(state, name))(body[name]))
    return web.json_response({"event_handler_url": state.event_handler_url,
                              "event_handler_id": state.event_handler_id,
                              "access_ttl_s": state.access_ttl_s})


@routes.post("/_sandbox/faults")
async def set_faults(request: web.Request) -> web.Response:
    state, body = request.app[STATE], await read_json_object(request)
    if body.get("expire_tokens"):
        state.expire_tokens()
    if body.get("revoke_refresh"):
        state.revoke_refresh()
    for method, count in (body.get("fail_next") or {}).items():
        state.faults.fail_next[str(method).lower()] = int(count)
    if "slow_ms" in body:
        state.faults.slow_ms = int(body["slow_ms"])
    if "outage" in body:
        state.faults.outage = bool(body["outage"])
    for name in ("denied", "operation_limited"):  # lists of methods; [] switches off
        if name in body:
            setattr(state.faults, name, {str(m).lower() for m in body[name]})
    if body.get("rate_limit"):
        state.bucket = LeakyBucket(burst=int(body["rate_limit"]["burst"]),
                                   per_s=float(body["rate_limit"]["per_s"]))
    return web.json_response({"ok": True})


@routes.post("/_sandbox/userfields/delete")
async def delete_userfield(request: web.Request) -> web.Response:
    """As if an admin deleted a field by hand: {"entity": "contact"|"deal", "field_name": ...}."""
    state, body = request.app[STATE], await read_json_object(request)
    try:
        deleted = delete_field_by_name(state, str(body.get("entity")), str(body.get("field_name")))
    except (KeyError, RestError) as exc:
        raise web.HTTPNotFound(text="no such field") from exc
    return web.json_response({"deleted": deleted})


@routes.get("/_sandbox/updates")
async def list_updates(request: web.Request) -> web.Response:
    return web.json_response({"updates": request.app[STATE].updates})


@routes.get("/_sandbox/requests")
async def list_requests(request: web.Request) -> web.Response:
    return web.json_response({"requests": request.app[STATE].requests})


@routes.get("/_sandbox/events")
async def list_events(request: web.Request) -> web.Response:
    return web.json_response({"events": request.app[STATE].events})


@routes.get("/_sandbox/entities/{kind:contact|deal}/{id:\\d+}")
async def show_entity(request: web.Request) -> web.Response:
    try:
        entity = entity_view(request.app[STATE], request.match_info["kind"], int(request.match_info["id"]))
    except RestError as exc:
        raise web.HTTPNotFound(text="not found") from exc
    return web.json_response(entity)


@routes.get("/_sandbox/installation")
async def show_installation(request: web.Request) -> web.Response:
    """The Portal record (tokens included) for configuring the product against this sandbox."""
    return web.json_response(dataclasses.asdict(request.app[STATE].installation()))
