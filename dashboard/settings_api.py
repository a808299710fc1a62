"""Admin settings: the portal's projects (line -> project, language, scorecard, CRM fields and
their names, which entities receive them) and the relay signing secret. Stored on the portal
settings topic, which every process follows: ingest resolves projects and the CRM sink names
fields from it (catalog.portal_settings.PortalCatalogs)."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web

from catalog.portal_settings import PortalSettings
from catalog.projects import ProjectCatalog, ProjectConfigError, parse_portal_projects, portal_catalog
from bitrix.errors import BitrixError
from bitrix.fields import ensure_fields, wanted_fields
from dashboard.api import admin_session_of
from httpapi.errors import Refused
from dashboard.keys import CATALOGS, PORTAL_SETTINGS, RESCORE_RUNS, REST, SETTINGS


def project_view(catalog: ProjectCatalog) -> dict[str, Any]:
    """The projects of a catalog in the PUT body's shape (what the admin edits)."""
    return {name: {"language": p.language, "lines": list(p.lines), "scorecard": p.scorecard,
                   "crm_fields": p.crm_fields.model_dump(mode="json"), "write_to": list(p.write_to)}
            for name, p in catalog.projects.items()}


def settings_view(catalog: ProjectCatalog, own: PortalSettings) -> dict[str, Any]:
    until = own.relay_previous_valid_until
    return {
        "projects": project_view(catalog), "default_project": catalog.default.name,
        "source": "portal" if own.projects is not None else "default",
        "scorecards": sorted(catalog.scorecards),
        "relay": {"configured": own.relay_secret is not None,
                  "previous_valid_until": datetime.fromtimestamp(until, UTC).isoformat() if until else None},
        "updated_by": own.updated_by,
    }


async def get_settings(request: web.Request) -> web.Response:
    session = admin_session_of(request)
    own = request.app[PORTAL_SETTINGS].get(session.member_id)
    return web.json_response(settings_view(request.app[CATALOGS].for_portal(session.member_id), own))


async def put_settings(request: web.Request) -> web.Response:
    """Validate with the projects rules, make sure every named field exists on the portal, then
    store: a renamed field is created before any call is written under its name."""
    session = admin_session_of(request)
    try:
        body = await request.json()
    except ValueError:
        raise Refused(400, "invalid_json", "the body must be a JSON object") from None
    catalogs = request.app[CATALOGS]
    try:
        own_projects = parse_portal_projects(body, catalogs.base)
    except ProjectConfigError as exc:
        raise Refused(400, "invalid_settings", str(exc)) from None
    catalog = portal_catalog(catalogs.base, own_projects, session.member_id)
    try:
        created = await ensure_fields(request.app[REST], session.member_id, wanted_fields(catalog))
    except BitrixError as exc:
        raise Refused(502, "fields_not_created", f"the portal refused the CRM fields: {exc.code}") from None
    store = request.app[PORTAL_SETTINGS]
    updated = store.get(session.member_id).with_projects(own_projects, session.user_id)
    await store.put(updated)
    return web.json_response({**settings_view(catalog, updated), "fields_created": created})


async def rotate_relay_secret(request: web.Request) -> web.Response:
    """A new secret for the relay to sign with; the previous one stays valid for the overlap
    window so the relay can be switched over without dropping events. Shown once, here."""
    session = admin_session_of(request)
    store, overlap = request.app[PORTAL_SETTINGS], request.app[SETTINGS].relay_secret_overlap_s
    rotated = store.get(session.member_id).rotated(overlap, time.time(), session.user_id)
    await store.put(rotated)
    until = rotated.relay_previous_valid_until
    return web.json_response({
        "secret": rotated.relay_secret,
        "previous_valid_until": datetime.fromtimestamp(until, UTC).isoformat() if until else None,
    }, headers={"Cache-Control": "no-store"})


class RunSource(Protocol):
    """Rescore runs as recorded by `aica rescore` (control.rescore_runs.RescoreRuns)."""

    def all(self) -> list[dict]: ...


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(int(value) / 1000, UTC)
    return moment.isoformat()


def run_view(run: dict) -> dict[str, Any]:
    return {"run_id": run["run_id"], "scope": "portal" if run.get("member_id") else "all_portals",
            "project": run.get("project"), "since": _iso(run.get("since")), "until": _iso(run.get("until")),
            "scorecards": list(run.get("scorecards") or []), "write_crm": bool(run.get("write_crm")),
            "state": run["state"], "calls_read": int(run.get("calls_read") or 0),
            "calls_rescored": int(run.get("calls_rescored") or 0),
            "started_at": _iso(run.get("started_at")), "updated_at": _iso(run.get("updated_at"))}


async def list_rescore_runs(request: web.Request) -> web.Response:
    """The rescore runs that concern this portal (its own, and those over all portals), newest first."""
    session = admin_session_of(request)
    source = request.app[RESCORE_RUNS]
    runs = [r for r in (source.all() if source is not None else [])
            if r.get("member_id") in (None, session.member_id)]
    runs.sort(key=lambda r: _iso(r.get("started_at")) or "", reverse=True)
    return web.json_response({"runs": [run_view(r) for r in runs]})
