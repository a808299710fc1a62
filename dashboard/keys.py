"""Typed application keys of the dashboard app: handlers reach every resource through them."""
from __future__ import annotations

from aiohttp import web

from bitrix.client import PortalRest
from bitrix.limits import PortalLimits
from bitrix.portals import PortalDirectory
from blobs.store import LocalBlobStore
from catalog.portal_settings import PortalCatalogs, PortalSettingsStore
from dashboard.placement import PortalAccess
from dashboard.sessions import AudioSigner, SessionSigner
from httpapi.ratelimit import PostLimits
from streams.settings import Settings
from warehouse.read_model import CallStore

SETTINGS = web.AppKey("dashboard_settings", Settings)
PORTALS = web.AppKey("dashboard_portals", PortalDirectory)
STORE = web.AppKey("dashboard_store", CallStore)
BLOBS = web.AppKey("dashboard_blobs", LocalBlobStore)
SIGNER = web.AppKey("dashboard_signer", SessionSigner)
AUDIO_SIGNER = web.AppKey("dashboard_audio_signer", AudioSigner)
PLACEMENT_LIMITS = web.AppKey("dashboard_placement_limits", PostLimits)  # per address and per portal
PORTAL_SETTINGS = web.AppKey("dashboard_portal_settings", PortalSettingsStore)
CATALOGS = web.AppKey("dashboard_catalogs", PortalCatalogs)
REST = web.AppKey("dashboard_rest", PortalRest)  # the app's own tokens: creates renamed CRM fields
# Rescore runs (control.rescore_runs.RescoreRuns, or None where the process does not follow them).
RESCORE_RUNS = web.AppKey("dashboard_rescore_runs", object)
LIMITS = web.AppKey("dashboard_limits", PortalLimits)  # the process's per-portal limiters (bitrix.limits)
ACCESS = web.AppKey("dashboard_access", PortalAccess)  # placement checks: session, limiters, verified
