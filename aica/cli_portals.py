"""`aica portal ...`: connect and list portals (webhook mode) from the command line."""
from __future__ import annotations

import asyncio
import sys

import click

from aica.cli_support import cli_settings as _settings


@click.group()
def portal() -> None:
    """Connected portals: list them; connect one by webhooks (no marketplace app)."""


@portal.command("add-webhook")
@click.option("--domain", required=True, help="the portal, e.g. example.bitrix24.com")
@click.option("--inbound-url", prompt=True, hide_input=True,
              help="the inbound webhook https://<portal>/rest/<user>/<code>/ (asked if not given: it is a secret)")
@click.option("--application-token", prompt=True, hide_input=True,
              help="the outbound webhook's application token (asked if not given)")
@click.option("--member-id", default=None, help="the portal's member_id if known (else found from its events)")
def portal_add_webhook(domain: str, inbound_url: str, application_token: str, member_id: str | None) -> None:
    """Connect a portal by webhooks: checked with live calls, then stored encrypted.

    On the portal (Developer resources > Webhooks): an inbound webhook of an administrator with the
    crm and disk scopes (telephony too, for line and duration), and an outbound webhook for
    ONCRMACTIVITYADD and ONCRMACTIVITYUPDATE to <AICA_PUBLIC_URL>/b24/events."""
    from bitrix.fields import wanted_fields
    from catalog.projects import load_catalog
    from control.portals import KafkaPortals
    from control.webhooks import WebhookRefused, connect_webhook
    settings = _settings()
    portals = KafkaPortals(settings).start()
    try:
        connection = asyncio.run(connect_webhook(
            settings, portals, domain=domain, inbound_url=inbound_url, application_token=application_token,
            wanted_fields=wanted_fields(load_catalog(settings)), member_id=member_id))
    except WebhookRefused as refused:
        click.echo(f"not connected: {refused}", err=True)
        sys.exit(1)
    finally:
        portals.stop()
    click.echo(f"connected {connection.portal.domain} by webhook as {connection.portal.member_id}")
    click.echo(f"  webhook user: {connection.user}; scopes: {', '.join(connection.scopes)}")
    if connection.missing_optional:
        click.echo(f"  without {', '.join(connection.missing_optional)}: calls get no line or duration "
                   "(the default project is used)")
    click.echo(f"  CRM fields created: {', '.join(connection.fields_created) or 'none (all exist)'}")
    click.echo(f"  outbound webhook handler: {settings.public_url.rstrip('/')}/b24/events "
               "(events ONCRMACTIVITYADD, ONCRMACTIVITYUPDATE)")


@portal.command("remove-webhook")
@click.option("--member-id", required=True, help="the portal's key, as `aica portal list` shows it")
def portal_remove_webhook(member_id: str) -> None:
    """Stop serving a webhook-connected portal: its webhook URL and token are deleted. Delete the
    webhooks in Bitrix24 too (Developer resources > Webhooks)."""
    from control.portals import KafkaPortals
    from control.webhooks import WebhookRefused, disconnected
    portals = KafkaPortals(_settings()).start()
    try:
        current = portals.get(member_id)
        if current is None:
            click.echo(f"no portal {member_id}", err=True)
            sys.exit(1)
        try:
            asyncio.run(portals.put(disconnected(current)))
        except WebhookRefused as refused:
            click.echo(f"not removed: {refused}", err=True)
            sys.exit(1)
    finally:
        portals.stop()
    click.echo(f"portal {current.domain} ({member_id}) disconnected; its events are refused from now on")


@portal.command("list")
def portal_list() -> None:
    """Every known portal: key, domain, how it is connected, state."""
    from control.portals import KafkaPortals
    portals = KafkaPortals(_settings()).start()
    try:
        for known in sorted(portals.all(), key=lambda p: p.domain):
            click.echo(f"{known.member_id:<34} {known.domain:<40} {known.auth_mode:<8} {known.status}")
    finally:
        portals.stop()
