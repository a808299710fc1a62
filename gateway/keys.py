"""Typed application keys: handlers reach every resource through `request.app[KEY]`."""
from __future__ import annotations

from aiohttp import web

from bitrix.portals import PortalDirectory
from gateway.dedup import TtlDedup
from gateway.durable import DurablePublisher
from streams.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
PORTALS = web.AppKey("portals", PortalDirectory)
DEDUP = web.AppKey("dedup", TtlDedup)
RELAY_SECRETS = web.AppKey("relay_secrets", tuple)
DURABLE_PUBLISHER = web.AppKey("durable_publisher", DurablePublisher)  # set by the publisher cleanup_ctx
# Per-portal relay secrets (rotated from the dashboard); anything with .get(member_id) -> PortalSettings.
PORTAL_SETTINGS = web.AppKey("portal_settings", object)
