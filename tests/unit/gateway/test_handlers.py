"""The two event endpoints over real HTTP: what is accepted is published once, what is refused
publishes nothing."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from gateway.verify import sign_relay
from schemas import registry

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKENS = ("application_token", "access_token", "refresh_token")


def form_body(event: dict) -> str:
    return urlencode(flatten(event))


def relay_envelope(form_event: dict, /, **overrides) -> bytes:
    envelope = {"source": "bitrix24", "member_id": form_event["auth"]["member_id"], "event": form_event["event"],
                "entity_id": form_event["data"]["FIELDS"]["ID"], "ts": int(form_event["ts"])}
    return json.dumps(envelope | overrides).encode()


def signed_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": "application/json", "X-Timestamp": stamp,
            "X-Signature": sign_relay(secret.encode(), stamp, body)}


def expected_event_id(event: dict) -> str:
    key = f"{event['auth']['member_id']}|{event['event'].upper()}|{event['data']['FIELDS']['ID']}|{event['ts']}"
    return hashlib.sha256(key.encode()).hexdigest()


async def test_documented_event_is_published_once_as_avro(make_client, publisher, documented_event, settings_factory):
    client = await make_client()
    before = datetime.now(timezone.utc)
    response = await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    after = datetime.now(timezone.utc)

    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "accepted"
    assert len(publisher.sent) == 1
    topic, key, value = publisher.sent[0]
    assert topic == settings_factory().topic("b24.events.v1")
    assert key == documented_event["auth"]["member_id"].encode()
    record = registry.decode("aica.CrmWebhookEvent", value)
    received_at = record.pop("received_at")
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= received_at <= after
    assert record == {
        "event_id": expected_event_id(documented_event), "event": "ONCRMACTIVITYADD",
        "member_id": documented_event["auth"]["member_id"], "domain": documented_event["auth"]["domain"],
        "entity_id": "999", "ts": int(documented_event["ts"]), "source": "bitrix24", "clean": None,
    }
    for name in TOKENS:
        assert documented_event["auth"][name].encode() not in value


@pytest.mark.parametrize("name", ["onCrmActivityUpdate", "oncrmactivityadd", "ONCRMACTIVITYUPDATE"])
async def test_event_name_in_any_case_is_accepted_and_upper_cased(make_client, publisher, documented_event, name):
    documented_event["event"] = name
    client = await make_client()
    response = await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    assert response.status == 200
    assert registry.decode("aica.CrmWebhookEvent", publisher.sent[0][2])["event"] == name.upper()


async def test_content_type_parameters_are_allowed(make_client, publisher, documented_event):
    client = await make_client()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    response = await client.post("/b24/events", data=form_body(documented_event), headers=headers)
    assert response.status == 200
    assert len(publisher.sent) == 1


async def test_duplicate_is_answered_200_and_published_once(make_client, publisher, documented_event):
    client = await make_client()
    first = await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    second = await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    assert first.status == second.status == 200
    assert (await second.json())["status"] == "duplicate"
    assert len(publisher.sent) == 1


def _without(event: dict, *path: str) -> dict:
    node = event
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return event


def _with(event: dict, value: str, *path: str) -> dict:
    node = event
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return event


@pytest.mark.parametrize("change, status, code", [
    (lambda e: _without(e, "auth", "application_token"), 400, "missing_field"),
    (lambda e: _without(e, "auth", "member_id"), 400, "missing_field"),
    (lambda e: _without(e, "data"), 400, "missing_field"),
    (lambda e: _without(e, "ts"), 400, "missing_field"),
    (lambda e: _with(e, "abc", "data", "FIELDS", "ID"), 422, "bad_entity_id"),
    (lambda e: _with(e, "0", "data", "FIELDS", "ID"), 422, "bad_entity_id"),
    (lambda e: _with(e, "-5", "data", "FIELDS", "ID"), 422, "bad_entity_id"),
    (lambda e: _with(e, "yesterday", "ts"), 422, "bad_ts"),
    (lambda e: _with(e, "ffffffffffffffffffffffffffffffff", "auth", "member_id"), 403, "unknown_portal"),
    (lambda e: _with(e, "0" * 32, "auth", "application_token"), 401, "bad_application_token"),
    (lambda e: _with(e, "evil.bitrix24.com", "auth", "domain"), 403, "domain_mismatch"),
    (lambda e: _with(_with(e, "ONAPPUNINSTALL", "event"), "0" * 32, "auth", "application_token"),
     401, "bad_application_token"),
    (lambda e: _with(e, "ONCRMDEALADD", "event"), 400, "unsupported_event"),
])
async def test_bad_form_events_are_refused_and_nothing_published(
        make_client, publisher, documented_event, change, status, code):
    client = await make_client()
    response = await client.post("/b24/events", data=form_body(change(documented_event)), headers=FORM)
    assert response.status == status
    body = await response.json()
    assert body["error"] == code and body["reason"]
    assert publisher.sent == []


async def test_inactive_portal_is_refused(make_client, publisher, documented_event, portal):
    from dataclasses import replace
    client = await make_client(portals=InMemoryPortals(replace(portal, status="uninstalled")))
    response = await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    assert response.status == 403 and (await response.json())["error"] == "portal_inactive"
    assert publisher.sent == []


@pytest.mark.parametrize("body, headers, status", [
    (b'{"event":"ONCRMACTIVITYADD"}', {"Content-Type": "application/json"}, 415),
    (b"event=x", {"Content-Type": "text/plain"}, 415),
    (b"auth=flat&auth[member_id]=nested", FORM, 400),  # keys that cannot nest
    (b"event=\xff\xfe", FORM, 400),  # not UTF-8
    (b"event" + b"[]" * 1500 + b"=x", FORM, 400),  # nesting deep enough to exhaust the recursion limit
    (b"x=" + b"a" * 5000, FORM, 413),  # over max_body_bytes, declared by Content-Length
])
async def test_malformed_requests_are_refused_and_nothing_published(make_client, publisher, body, headers, status):
    client = await make_client()
    response = await client.post("/b24/events", data=body, headers=headers)
    assert response.status == status
    assert set(await response.json()) == {"error", "reason"}
    assert publisher.sent == []


async def test_a_valid_event_padded_with_hundreds_of_keys_is_refused(make_client, publisher, documented_event):
    client = await make_client()
    padding = "&".join(f"k{i}=" for i in range(300))
    response = await client.post("/b24/events", data=form_body(documented_event) + "&" + padding, headers=FORM)
    assert (response.status, (await response.json())["error"]) == (400, "malformed_form")
    assert publisher.sent == []


async def test_oversized_chunked_body_without_length_is_refused(make_client, publisher, documented_event):
    async def chunks():
        yield form_body(documented_event).encode()
        for _ in range(10):
            yield b"&padding=" + b"p" * 1000

    client = await make_client()
    response = await client.post("/b24/events", data=chunks(), headers=FORM)
    assert response.status == 413
    assert publisher.sent == []


async def test_logs_never_contain_tokens(make_client, documented_event, caplog):
    caplog.set_level(logging.DEBUG)
    client = await make_client()
    await client.post("/b24/events", data=form_body(documented_event), headers=FORM)
    wrong = _with(documented_event, "0" * 32, "auth", "application_token")
    await client.post("/b24/events", data=form_body(wrong), headers=FORM)
    assert documented_event["auth"]["member_id"] in caplog.text  # we do log who sent it...
    for name in ("access_token", "refresh_token"):
        assert documented_event["auth"][name] not in caplog.text  # ...but never a secret
    assert "51856fefc120afa4b628cc82d3935cce" not in caplog.text


async def test_signed_relay_post_is_published_with_the_portals_domain(
        make_client, publisher, documented_event, relay_secret):
    client = await make_client()
    body = relay_envelope(documented_event)
    response = await client.post("/relay/events", data=body, headers=signed_headers(body, relay_secret))
    assert response.status == 200, await response.text()
    record = registry.decode("aica.CrmWebhookEvent", publisher.sent[0][2])
    assert (record["source"], record["domain"], record["event"]) == (
        "relay", documented_event["auth"]["domain"], "ONCRMACTIVITYADD")
    assert record["event_id"] == expected_event_id(documented_event)


async def test_relay_accepts_the_previous_secret_during_rotation(
        make_client, publisher, documented_event, settings_factory):
    client = await make_client(settings_factory(relay_secrets="new-secret, old-secret"))
    body = relay_envelope(documented_event)
    response = await client.post("/relay/events", data=body, headers=signed_headers(body, "old-secret"))
    assert response.status == 200
    assert len(publisher.sent) == 1


async def test_replayed_relay_post_is_a_duplicate_and_published_once(
        make_client, publisher, documented_event, relay_secret):
    client = await make_client()
    body = relay_envelope(documented_event)
    headers = signed_headers(body, relay_secret)
    first = await client.post("/relay/events", data=body, headers=headers)
    replay = await client.post("/relay/events", data=body, headers=headers)
    assert (first.status, replay.status) == (200, 200)
    assert (await replay.json())["status"] == "duplicate"
    assert len(publisher.sent) == 1


def _drop(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != name}


@pytest.mark.parametrize("make_headers, code", [
    (lambda body, secret: signed_headers(body, "not-the-secret"), "bad_signature"),
    (lambda body, secret: signed_headers(body + b" ", secret), "bad_signature"),  # body changed after signing
    (lambda body, secret: _drop(signed_headers(body, secret), "X-Signature"), "missing_signature"),
    (lambda body, secret: _drop(signed_headers(body, secret), "X-Timestamp"), "missing_signature"),
    (lambda body, secret: signed_headers(body, secret, int(time.time()) - 3600), "stale_timestamp"),
    (lambda body, secret: signed_headers(body, secret, int(time.time()) + 3600), "stale_timestamp"),
])
async def test_badly_signed_relay_posts_get_401_and_nothing_published(
        make_client, publisher, documented_event, relay_secret, make_headers, code):
    client = await make_client()
    body = relay_envelope(documented_event)
    response = await client.post("/relay/events", data=body, headers=make_headers(body, relay_secret))
    assert response.status == 401
    assert (await response.json())["error"] == code
    assert publisher.sent == []


async def test_relay_is_refused_when_no_secret_is_configured(
        make_client, publisher, documented_event, settings_factory):
    client = await make_client(settings_factory(relay_secrets=""))
    body = relay_envelope(documented_event)
    response = await client.post("/relay/events", data=body, headers=signed_headers(body, ""))
    assert response.status == 401
    assert publisher.sent == []


@pytest.mark.parametrize("overrides, status, code", [
    ({"member_id": "f" * 32}, 403, "unknown_portal"),
    ({"entity_id": "12a"}, 422, "bad_entity_id"),
    ({"source": "somewhere"}, 422, "bad_source"),
    ({"event": None}, 400, "missing_field"),
])
async def test_signed_but_invalid_relay_envelopes_are_refused(
        make_client, publisher, documented_event, relay_secret, overrides, status, code):
    client = await make_client()
    body = relay_envelope(documented_event, **overrides)
    response = await client.post("/relay/events", data=body, headers=signed_headers(body, relay_secret))
    assert response.status == status
    assert (await response.json())["error"] == code
    assert publisher.sent == []
