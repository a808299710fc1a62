"""Typed application keys of the dashboard app: handlers reach every resource through them."""
from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from blobs.store import LocalBlobStore
from dashboard.sessions import SessionSigner
from warehouse.read_model import CallStore
from streams.settings import Settings

SETTINGS = web.AppKey("dashboard_settings", Settings)
PORTALS = web.AppKey("dashboard_portals", Any)  # bitrix.portals.PortalDirectory
STORE = web.AppKey("dashboard_store", CallStore)
BLOBS = web.AppKey("dashboard_blobs", LocalBlobStore)
SIGNER = web.AppKey("dashboard_signer", SessionSigner)
PORTAL_SETTINGS = web.AppKey("dashboard_portal_settings", Any)  # control.portal_settings.KafkaPortalSettings
CATALOGS = web.AppKey("dashboard_catalogs", Any)  # catalog.portal_settings.PortalCatalogs
REST = web.AppKey("dashboard_rest", Any)  # bitrix.client.RestClient (the app's tokens), for fields
HTTP = web.AppKey("dashboard_http", aiohttp.ClientSession)  # placement checks with the user's token
