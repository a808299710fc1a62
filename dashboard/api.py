"""The widget's JSON API: the session's entity's calls, one call in detail, its audio (HTTP Range),
the score trend, and (admins) delivery status. Every read is scoped to the session's member_id
and CRM entity; a call of another portal or entity is indistinguishable from a missing one (404)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from blobs.store import BlobError
from bitrix.portals import ACCEPTING_STATUSES
from dashboard.keys import AUDIO_SIGNER, BLOBS, PORTALS, SIGNER, STORE
from dashboard.sessions import DashboardSession, token_from
from httpapi.errors import Refused
from warehouse import read_model as call_store

OPENAPI = Path(__file__).with_name("openapi.yaml")
AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg", ".oga": "audio/ogg",
               ".opus": "audio/ogg", ".webm": "audio/webm", ".m4a": "audio/mp4", ".aac": "audio/aac",
               ".flac": "audio/flac", ".amr": "audio/amr"}
STAGES = ("ingest", "transcribe", "redact", "analyze", "score", "crm", "clickhouse")


def session_of(request: web.Request) -> DashboardSession:
    """SessionError (-> 401) unless a valid, unexpired session came with the request; 403 once
    its portal is no longer installed (a session must not outlive the app)."""
    return still_installed(request, request.app[SIGNER].verify(token_from(request), time.time()))


def still_installed(request: web.Request, session: DashboardSession) -> DashboardSession:
    portal = request.app[PORTALS].get(session.member_id)
    if portal is None or portal.status not in ACCEPTING_STATUSES:
        raise Refused(403, "portal_inactive", "the app is not installed on this portal")
    return session


def audio_session_of(request: web.Request) -> DashboardSession:
    """The audio URL's own token (?token=, this call only), or a Bearer session from an API client."""
    token = request.query.get("token")
    if token is None:
        return session_of(request)
    signer = request.app[AUDIO_SIGNER]
    grant = signer.verify(token, request.match_info["call_id"], time.time())
    return still_installed(request, signer.session_of(grant))


def admin_session_of(request: web.Request) -> DashboardSession:
    session = session_of(request)
    if not session.is_admin:
        raise Refused(403, "admin_only", "only portal administrators may do this")
    return session


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query.get(name, default))
    except ValueError:
        raise Refused(400, "bad_parameter", f"{name} must be an integer") from None
    return max(low, min(high, value))


def api_base(request: web.Request) -> str:
    """/app/api when mounted at /app: where this sub-application's API lives."""
    prefix = request.path.split("/api/", 1)[0] if "/api/" in request.path else request.path.rsplit("/", 1)[0]
    return prefix + "/api"


def public_call(call: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in call.items() if k not in ("bindings", "audio_uri")}


def bound_to(call: dict[str, Any] | None, session: DashboardSession) -> bool:
    return call is not None and session.entity_id in call["bindings"].get(session.entity_type, [])


async def list_calls(request: web.Request) -> web.Response:
    session = session_of(request)
    limit = int_param(request, "limit", 50, 1, 200)
    calls = await request.app[STORE].run(call_store.entity_calls, session.member_id, session.entity_type,
                                         session.entity_id, limit)
    return web.json_response({"calls": [public_call(c) for c in calls]})


async def _bound_call(request: web.Request, session: DashboardSession, scorecard: str | None = None) -> dict[str, Any]:
    call = await request.app[STORE].run(call_store.call_detail, session.member_id, request.match_info["call_id"],
                                        scorecard)
    if not bound_to(call, session):
        raise Refused(404, "not_found", "no such call on this card")
    return call


async def get_call(request: web.Request) -> web.Response:
    """`?scorecard=id@version` shows the verdict under that version (side by side with another)."""
    session = session_of(request)
    scorecard = request.query.get("scorecard") or None
    call = await _bound_call(request, session, scorecard)
    if scorecard is not None and call.get("scorecard") != scorecard:
        raise Refused(404, "not_found", f"this call has no verdict under {scorecard}")
    if call.get("audio_uri"):
        token = request.app[AUDIO_SIGNER].issue(member_id=session.member_id, call_id=call["call_id"],
                                                entity_type=session.entity_type, entity_id=session.entity_id,
                                                now=time.time())
        call["audio_url"] = f"{api_base(request)}/calls/{call['call_id']}/audio?token={token}"
    else:
        call["audio_url"] = None
    return web.json_response(public_call(call))


def audio_type(name: str) -> str | None:
    """The Content-Type to serve a recording as, from an allow-list: a file stored as .html or
    .svg (whatever a portal sent) must never reach the browser as a page."""
    return AUDIO_TYPES.get(Path(name).suffix.lower())


async def get_audio(request: web.Request) -> web.StreamResponse:
    """The recording, with Range (206) from FileResponse; same checks as the detail view."""
    session = audio_session_of(request)
    call = await _bound_call(request, session)
    blobs = request.app[BLOBS]
    try:
        path = blobs.resolve(call.get("audio_uri") or "")
    except BlobError:
        raise Refused(404, "no_audio", "this call has no recording") from None
    # The uri names the portal: it must be the session's (and the call's) own directory.
    if path.parent != blobs.call_dir(session.member_id, call["call_id"]) or not path.is_file():
        raise Refused(404, "no_audio", "this call has no recording")
    content_type = audio_type(path.name)
    if content_type is None:
        raise Refused(404, "no_audio", "this call has no playable recording")
    return web.FileResponse(path, headers={
        "Cache-Control": "private, no-store", "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{call["call_id"]}{path.suffix.lower()}"',
        "Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"})


async def get_trend(request: web.Request) -> web.Response:
    session = session_of(request)
    days = int_param(request, "days", 90, 1, 366)
    points, series = await request.app[STORE].run(call_store.trend_with_series, session.member_id,
                                                  session.entity_type, session.entity_id, days)
    return web.json_response({"points": points, "series": series})


async def get_status(request: web.Request) -> web.Response:
    session = admin_session_of(request)
    stage, status = request.query.get("stage") or None, request.query.get("status") or None
    if stage is not None and stage not in STAGES:
        raise Refused(400, "bad_parameter", f"stage must be one of {STAGES}")
    if status is not None and status not in call_store.CALL_STATUSES:
        raise Refused(400, "bad_parameter", f"status must be one of {call_store.CALL_STATUSES}")
    limit = int_param(request, "limit", 50, 1, 500)
    body = await request.app[STORE].run(call_store.delivery_status, session.member_id, stage, status, limit)
    return web.json_response(body)


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def openapi_document() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
