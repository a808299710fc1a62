"""`aica portal add-webhook` against a live sandbox portal: the secrets are asked without echo, the
webhook is checked and the portal stored (the portals topic replaced by memory here); a refusal
exits 1 with the fix and stores nothing."""
from __future__ import annotations

import asyncio

from click.testing import CliRunner

from aica.cli import main
from bitrix.portals import InMemoryPortals
from bitrix.webhooks import webhook_member_id
from sandbox.webhooks import add_inbound

TOKEN = "c" * 32


class TopicInMemory:
    """control.portals.KafkaPortals' interface over one in-memory directory shared by all."""
    directory = InMemoryPortals()

    def __init__(self, settings) -> None:
        pass

    def start(self) -> "TopicInMemory":
        return self

    def stop(self) -> None:
        pass

    def get(self, member_id):
        return self.directory.get(member_id)

    async def put(self, portal) -> None:
        await self.directory.put(portal)


async def test_add_webhook_asks_for_the_secrets_checks_and_stores(sandbox_portal, monkeypatch, tmp_path):
    import control.portals
    TopicInMemory.directory = InMemoryPortals()
    monkeypatch.setattr(control.portals, "KafkaPortals", TopicInMemory)
    monkeypatch.setenv("AICA_DATA_DIR", str(tmp_path))
    url = add_inbound(sandbox_portal)
    result = await asyncio.to_thread(CliRunner().invoke, main, ["portal", "add-webhook", "--domain",
                                                                sandbox_portal.domain], input=f"{url}\n{TOKEN}\n")
    assert result.exit_code == 0, result.output
    assert url not in result.output and TOKEN not in result.output  # asked without echo
    assert f"connected {sandbox_portal.domain} by webhook" in result.output
    assert "/b24/events (events ONCRMACTIVITYADD, ONCRMACTIVITYUPDATE)" in result.output
    stored = TopicInMemory.directory.get(webhook_member_id(sandbox_portal.domain))
    assert stored.webhook_url == url and stored.application_token == TOKEN

    refused = await asyncio.to_thread(CliRunner().invoke, main, [
        "portal", "add-webhook", "--domain", "other.bitrix24.com", "--inbound-url", url,
        "--application-token", TOKEN])
    assert refused.exit_code == 1 and "not connected: inbound webhook URL" in refused.output
    assert TopicInMemory.directory.get(webhook_member_id("other.bitrix24.com")) is None


async def test_remove_webhook_deletes_the_secrets_and_refuses_app_portals(sandbox_portal, monkeypatch, tmp_path):
    import control.portals
    from control.webhooks import webhook_portal
    TopicInMemory.directory = InMemoryPortals(webhook_portal("p.bitrix24.com", "https://p.bitrix24.com/rest/1/abc/",
                                                             TOKEN, "m1", None, 0.0), sandbox_portal.installation())
    monkeypatch.setattr(control.portals, "KafkaPortals", TopicInMemory)
    monkeypatch.setenv("AICA_DATA_DIR", str(tmp_path))
    result = await asyncio.to_thread(CliRunner().invoke, main, ["portal", "remove-webhook", "--member-id", "m1"])
    assert result.exit_code == 0, result.output
    removed = TopicInMemory.directory.get("m1")
    assert (removed.status, removed.webhook_url, removed.application_token) == ("uninstalled", "", "")
    app = await asyncio.to_thread(CliRunner().invoke, main, ["portal", "remove-webhook", "--member-id",
                                                             sandbox_portal.member_id])
    assert app.exit_code == 1 and "connected as the app" in app.output
    assert TopicInMemory.directory.get(sandbox_portal.member_id).status == "active"
