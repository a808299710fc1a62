"""Connecting a portal in webhook mode (bitrix/webhooks.py): check the inbound webhook with live
calls (`profile`: the URL and code work; `scope`: crm and disk are ticked), create the CRM fields
through it, and only then store the portal (webhook URL and application_token encrypted on the
portals topic, like the app's tokens). Nothing is stored when a check fails; the refusal says what
to fix on the portal."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import aiohttp

from bitrix.client import RestClient
from bitrix.egress import portal_session
from bitrix.errors import BitrixError
from bitrix.fields import ensure_fields
from bitrix.portals import InMemoryPortals, Portal, PortalDirectory
from bitrix.webhooks import (REQUIRED_SCOPES, WebhookUrlInvalid, missing_scopes, parse_inbound_url,
                             webhook_member_id)
from streams.settings import Settings

log = logging.getLogger(__name__)
MIN_APPLICATION_TOKEN = 16


class WebhookRefused(Exception):
    """The webhook cannot be used as given; the message is for the administrator."""


@dataclass
class WebhookConnection:
    portal: Portal
    user: str  # the webhook's user, "Name Last (id N, admin)"
    scopes: list[str]
    missing_optional: list[str] = field(default_factory=list)
    fields_created: list[str] = field(default_factory=list)


def webhook_portal(domain: str, inbound_url: str, application_token: str, member_id: str | None,
                   current: Portal | None, now: float) -> Portal:
    try:
        hook = parse_inbound_url(inbound_url, domain)
    except WebhookUrlInvalid as exc:
        raise WebhookRefused(f"inbound webhook URL: {exc}") from None
    token = application_token.strip()
    if len(token) < MIN_APPLICATION_TOKEN or not token.isalnum():
        raise WebhookRefused("application token: copy it from the outbound webhook's settings "
                             "(letters and digits, usually 32)")
    key = (member_id or "").strip() or webhook_member_id(domain)
    if current is not None and not current.uses_webhook and current.status != "uninstalled":
        raise WebhookRefused(f"portal {key} is installed as the app; uninstall the app before connecting a webhook")
    return Portal(member_id=key, domain=domain.strip().lower(), client_endpoint=f"{hook.origin}/rest/",
                  server_endpoint="", application_token=token, access_token="", refresh_token="",
                  access_expires_at=0.0, status="active",
                  generation=current.generation + 1 if current is not None else 0, installed_at=now,
                  auth_mode="webhook", webhook_url=hook.url)


async def connect_webhook(settings: Settings, portals: PortalDirectory, *, domain: str, inbound_url: str,
                          application_token: str, wanted_fields: dict[str, dict[str, str]],
                          member_id: str | None = None) -> WebhookConnection:
    """Check, set up, store. Raises WebhookRefused (nothing stored) with the reason."""
    key = (member_id or "").strip() or webhook_member_id(domain)
    portal = webhook_portal(domain, inbound_url, application_token, member_id, portals.get(key), time.time())
    async with portal_session(settings, timeout=aiohttp.ClientTimeout(total=settings.rest_timeout_s)) as http:
        rest = RestClient(http, InMemoryPortals(portal), settings)  # the candidate only, until it passes
        try:
            profile = await rest.call(portal.member_id, "profile")
            scopes = await rest.call(portal.member_id, "scope")
        except BitrixError as exc:
            raise WebhookRefused(f"the inbound webhook did not answer: {exc.code or 'error'}: {exc.description}") from None
        required, optional = missing_scopes(list(scopes or []))
        if required:
            raise WebhookRefused(f"the inbound webhook lacks the scopes {', '.join(required)}: tick "
                                 f"{', '.join(REQUIRED_SCOPES)} on it (Developer resources > Webhooks)")
        try:
            created = await ensure_fields(rest, portal.member_id, wanted_fields)
        except BitrixError as exc:
            raise WebhookRefused(f"the CRM fields could not be created through the webhook: {exc.code}: "
                                 f"{exc.description}") from None
    await portals.put(portal)
    admin = ", admin" if profile.get("ADMIN") else ""
    user = f"{profile.get('NAME', '')} {profile.get('LAST_NAME', '')}".strip() + f" (id {profile.get('ID')}{admin})"
    log.info("portal %s (%s) connected by webhook; %d fields created", portal.member_id, portal.domain, len(created))
    return WebhookConnection(portal, user, sorted(scopes), optional, created)


def disconnected(portal: Portal) -> Portal:
    """A webhook portal no longer served: uninstalled, its webhook URL and token deleted (the
    gateway refuses its events, the stages stop calling it). Its data stays until purged."""
    if not portal.uses_webhook:
        raise WebhookRefused(f"portal {portal.member_id} is connected as the app: uninstall the app in Bitrix24")
    return replace(portal, status="uninstalled", application_token="", webhook_url="",
                   generation=portal.generation + 1)
