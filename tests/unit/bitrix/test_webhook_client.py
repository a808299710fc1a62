"""Webhook mode against the real sandbox portal: the REST client calls `<inbound-url><method>`
without `auth` and never refreshes; each troubleshooting case (wrong or deleted webhook, scope not
ticked, a user without the right, a method only apps may call) is the portal's own error with what
to fix; recordings come through disk.file.get; and `connect_webhook` stores nothing it could not use."""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace

import pytest

from bitrix.client import AccessDenied, NotFound, RestClient
from bitrix.fields import wanted_fields
from bitrix.portals import InMemoryPortals
from bitrix.webhooks import WebhookUrlInvalid, parse_inbound_url, webhook_member_id
from catalog.projects import load_catalog
from control.webhooks import WebhookRefused, connect_webhook, webhook_portal
from sandbox import SandboxState
from sandbox.calls import CallSpec, attach_recording, create_call
from sandbox.crm import create_entity
from sandbox.webhooks import add_inbound
from streams.settings import Settings

TOKEN = "a" * 32


@pytest.fixture
def state(sandbox_portal) -> SandboxState:
    return sandbox_portal


def webhook_client(state, session, url: str) -> tuple[RestClient, str]:
    portal = webhook_portal(state.domain, url, TOKEN, None, None, 0.0)
    return RestClient(session, InMemoryPortals(portal), Settings(rest_burst=500, rest_rate_per_s=1000.0),
                      backoff_s=0.01), portal.member_id


def portal_paths(state) -> list[str]:
    return [r["path"] for r in state.requests]


async def test_calls_go_to_the_webhook_url_without_auth_and_batch_works(state, http_session):
    url = add_inbound(state)
    client, key = webhook_client(state, http_session, url)
    contact = create_entity(state, "contact", {"NAME": "Olga"})
    assert (await client.call(key, "crm.contact.get", {"id": contact}))["NAME"] == "Olga"
    activity, _ = create_call(state, CallSpec(contact_id=contact))
    results, errors = await client.batch(key, {"act": ("crm.activity.get", {"id": activity}),
                                              "gone": ("crm.deal.get", {"id": 999999})})
    assert results["act"]["ID"] == str(activity) and isinstance(errors["gone"], NotFound)
    assert await client.call(key, "crm.contact.update", {"id": contact, "fields": {"NAME": "Ann"}}) is True
    assert portal_paths(state) == [f"{url.removeprefix(state.base_url)}{m}" for m in
                                   ("crm.contact.get", "batch", "crm.contact.update")]
    assert state.access_tokens and all(state.token_status(t) == "ok" for t in state.access_tokens)


async def test_a_wrong_or_deleted_webhook_is_refused_for_good_and_never_refreshed(state, http_session):
    url = add_inbound(state)
    state.webhooks.clear()  # the admin deleted it (or the URL was mistyped: the same answer)
    client, key = webhook_client(state, http_session, url)
    with pytest.raises(AccessDenied) as refused:
        await client.call(key, "crm.contact.get", {"id": 1})
    assert refused.value.code == "INVALID_CREDENTIALS" and refused.value.status == 401
    assert "webhook URL is wrong or the webhook was deleted" in str(refused.value)
    assert state.refresh_count == 0 and not any(p.startswith("/oauth/") for p in portal_paths(state))


@pytest.mark.parametrize("scopes, method, params, code, hint", [
    (("telephony", "disk"), "crm.contact.get", {"id": 1}, "insufficient_scope", "tick crm and disk"),
    (("crm", "disk"), "event.bind", {"event": "ONCRMACTIVITYADD", "handler": "https://x/"}, "WRONG_AUTH_TYPE",
     "not available to webhooks"),
])
async def test_a_scope_not_ticked_or_an_app_only_method_says_so(state, http_session, scopes, method, params,
                                                                code, hint):
    client, key = webhook_client(state, http_session, add_inbound(state, scopes=scopes))
    with pytest.raises(AccessDenied) as refused:
        await client.call(key, method, params)
    assert refused.value.code == code and hint in str(refused.value)
    # In a batch too: the per-command error carries the same explanation.
    _, errors = await client.batch(key, {"one": (method, params)})
    assert errors["one"].code == code and hint in str(errors["one"])


async def test_a_user_without_the_right_gets_access_denied_with_the_reason(state, http_session):
    client, key = webhook_client(state, http_session, add_inbound(state))
    deal = create_entity(state, "deal", {"TITLE": "Renewal"})
    state.faults.denied = {"crm.deal.update"}
    with pytest.raises(AccessDenied) as refused:
        await client.call(key, "crm.deal.update", {"id": deal, "fields": {"TITLE": "x"}})
    assert refused.value.code == "ACCESS_DENIED" and "lacks the permission" in str(refused.value)


async def test_a_recording_downloads_through_disk_file_get(state, http_session, tmp_path):
    client, key = webhook_client(state, http_session, add_inbound(state))
    activity, _ = create_call(state, CallSpec())
    audio = b"RIFF" + bytes(range(256)) * 40
    attach_recording(state, activity, "call.wav", "audio/wav", audio)
    file = state.activities[activity]["FILES"][0]
    result = await client.download(key, file["url"], tmp_path / "call.wav", 10**6)
    assert (tmp_path / "call.wav").read_bytes() == audio and result.sha256 == hashlib.sha256(audio).hexdigest()
    assert any(p.endswith("/disk.file.get") for p in portal_paths(state))
    # Without the disk scope the reason says which scope to tick.
    client, key = webhook_client(state, http_session, add_inbound(state, scopes=("crm",)))
    with pytest.raises(AccessDenied, match="tick crm and disk"):
        await client.download(key, file["url"], tmp_path / "again.wav", 10**6)


def test_inbound_urls_are_checked_against_the_portal():
    hook = parse_inbound_url("https://p.bitrix24.com/rest/1/abc123", "p.bitrix24.com")
    assert (hook.url, hook.user_id) == ("https://p.bitrix24.com/rest/1/abc123/", 1) and "abc123" not in repr(hook)
    for url, domain in [("https://evil.example/rest/1/abc/", "p.bitrix24.com"),
                        ("https://p.bitrix24.com/rest/abc/", "p.bitrix24.com"),
                        ("https://p.bitrix24.com/rest/1/abc/crm.deal.get", "p.bitrix24.com"),
                        ("ftp://p.bitrix24.com/rest/1/abc/", "p.bitrix24.com")]:
        with pytest.raises(WebhookUrlInvalid):
            parse_inbound_url(url, domain)


async def test_connect_checks_live_creates_fields_then_stores(state):
    settings = Settings()  # the sandbox is on 127.0.0.1, an allowed insecure host by default
    wanted = wanted_fields(load_catalog(settings))
    portals = InMemoryPortals()
    connection = await connect_webhook(settings, portals, domain=state.domain, inbound_url=add_inbound(state),
                                       application_token=TOKEN, wanted_fields=wanted)
    stored = portals.get(webhook_member_id(state.domain))
    assert stored == connection.portal and stored.uses_webhook and stored.access_token == ""
    assert "UF_CRM_AICA_QUALITY" in {f["FIELD_NAME"] for f in state.userfields["CRM_DEAL"].values()}
    assert connection.fields_created and connection.user.endswith("(id 1, admin)")


@pytest.mark.parametrize("case, reason", [
    ("missing crm scope", "lacks the scopes crm"),
    ("wrong url", "did not answer: INVALID_CREDENTIALS"),
    ("another portal's url", "not on"),
    ("short application token", "application token"),
])
async def test_connect_refuses_and_stores_nothing(state, case, reason):
    url = add_inbound(state, scopes=("disk", "telephony") if case == "missing crm scope" else ("crm", "disk"))
    domain, token = state.domain, TOKEN
    if case == "wrong url":
        url = url.replace("/rest/1/", "/rest/1/0").rstrip("/") + "/"
    elif case == "another portal's url":
        domain = "other.bitrix24.com"
    elif case == "short application token":
        token = "abc"
    portals = InMemoryPortals()
    with pytest.raises(WebhookRefused, match=reason):
        await connect_webhook(Settings(), portals, domain=domain, inbound_url=url, application_token=token,
                              wanted_fields={})
    assert portals.get(webhook_member_id(domain)) is None and state.updates == []


def test_a_webhook_portal_round_trips_encrypted_on_the_portals_topic():
    from cryptography.fernet import Fernet

    from control.portals import portal_to_record, record_to_portal
    from schemas import registry
    box = Fernet(Fernet.generate_key())
    portal = webhook_portal("p.bitrix24.com", "https://p.bitrix24.com/rest/7/secretcode/", TOKEN, None, None, 5.0)
    record = portal_to_record(portal, box)
    assert "secretcode" not in str(record) and record["auth_mode"] == "webhook"
    assert record_to_portal(registry.decode("aica.PortalInstallation",
                                            registry.encode("aica.PortalInstallation", record)), box) == portal
    oauth = replace(portal, auth_mode="oauth", webhook_url="")
    assert portal_to_record(oauth, box)["webhook_url_enc"] is None


async def test_the_portals_rate_limit_is_backed_off_the_same_way(state, http_session):
    from sandbox.state import LeakyBucket
    client, key = webhook_client(state, http_session, add_inbound(state))
    contact = create_entity(state, "contact", {"NAME": "Olga"})
    state.bucket = LeakyBucket(burst=2, per_s=50.0)  # drains within the client's 4 quick retries
    results = await asyncio.gather(*(client.call(key, "crm.contact.get", {"id": contact}) for _ in range(6)))
    assert all(r["NAME"] == "Olga" for r in results)
    assert any(r["status"] == 503 for r in state.requests)  # QUERY_LIMIT_EXCEEDED, then retried
