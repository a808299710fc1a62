"""Webhook mode end to end on a real broker: a sandbox portal connected by webhooks (inbound URL
with user and code, outbound webhook with its application_token; no app, no OAuth) sends a call's
events to the gateway, the worker ingests it through the inbound webhook (recording via
disk.file.get) and writes the scores into the CRM fields. Then the seed's troubleshooting cases:
a field deleted by hand is recreated and written; a scope not ticked, a user without the right
and a deleted (wrong) webhook each dead-letter the CRM write with the reason the admin must fix."""
from __future__ import annotations

import asyncio
import base64
import time

import aiohttp
import pytest
from confluent_kafka import Producer

from agents.ingest import call_id_for
from aica.embedded import EmbeddedStack, _serve
from aica.worker import ALL_STAGES
from bitrix.fields import wanted_fields
from bitrix.webhooks import webhook_member_id
from blobs.store import LocalBlobStore
from catalog.projects import load_catalog
from control.webhooks import connect_webhook
from sandbox import SandboxState, create_sandbox_app
from sandbox.crm import create_entity, delete_field_by_name
from sandbox.webhooks import add_inbound, add_outbound
from schemas import registry
from streams.kafka_clients import kafka_config
from streams.dlq import read_dead_letters
from streams.topics import Topic
from tests.integration.scored_calls import call_score

pytestmark = [pytest.mark.integration]
NON_MODEL_STAGES = ",".join(s for s in ALL_STAGES if s not in ("transcribe", "redact", "analyze", "dashboard"))
WAV = b"RIFF" + bytes(range(256)) * 64


async def connect_webhook_portal(stack: EmbeddedStack) -> tuple[SandboxState, str, str]:
    """A second sandbox portal, connected as an admin would: inbound + outbound webhook, then
    `aica portal add-webhook`'s check-and-store. Returns (state, portal key, webhook code)."""
    state = SandboxState()
    runner, port = await _serve(create_sandbox_app(state), "127.0.0.1", 0)
    stack._runners.append(runner)
    state.base_url = f"http://127.0.0.1:{port}"
    url = add_inbound(state)
    token = add_outbound(state, f"{stack.gateway_url}/b24/events")
    connection = await connect_webhook(stack.settings, stack.portals, domain=state.domain, inbound_url=url,
                                       application_token=token,
                                       wanted_fields=wanted_fields(load_catalog(stack.settings)))
    assert connection.portal.member_id == webhook_member_id(state.domain)
    await asyncio.sleep(1.0)  # the worker's view of the portals topic follows within milliseconds
    return state, connection.portal.member_id, url.rstrip("/").rsplit("/", 1)[1]


def publish_score(settings, state, key: str, activity_id: int) -> tuple[int, int]:
    """A scored call on a new contact and deal of the webhook portal (ASR skipped)."""
    contact = create_entity(state, "contact", {"NAME": f"c{activity_id}"})
    deal = create_entity(state, "deal", {"TITLE": f"d{activity_id}", "CONTACT_ID": contact})
    record = call_score(settings, state, activity_id, contact, deal, 77)
    record["context"] |= {"member_id": key, "call_id": call_id_for(key, activity_id)}
    producer = Producer(kafka_config(settings.kafka_bootstrap, partitioner="murmur2_random"))
    producer.produce(settings.topic(Topic.SCORED), key=key.encode(), value=registry.encode("aica.CallScore", record))
    assert producer.flush(30) == 0
    return contact, deal


def written_to(state, kind: str, entity_id: int) -> list[dict]:
    return [u for u in state.updates if u["method"] == f"crm.{kind}.update" and u["id"] == entity_id
            and "UF_CRM_AICA_QUALITY" in u["fields"] and not u["ignored"]]


async def until(check, timeout_s: float, what: str, stack: EmbeddedStack):
    deadline = time.monotonic() + timeout_s
    while not (found := await check()):
        assert stack.worker_alive(), "the worker exited; see worker.log"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.3)
    return found


async def dead_letter_of(settings, call_id: str):
    letters = await asyncio.to_thread(lambda: list(read_dead_letters(settings, timeout_s=5)))
    return next((letter for letter in letters if letter["call_id"] == call_id), None)


async def test_webhook_portal_event_to_crm_fields_and_troubleshooting(pipeline_settings):
    settings = pipeline_settings.model_copy(update={"retry_delays_s": [0.5, 1.0]})
    stack = await EmbeddedStack(settings, manage_broker=False, worker_stages=NON_MODEL_STAGES).start()
    try:
        state, key, code = await connect_webhook_portal(stack)
        assert "UF_CRM_AICA_QUALITY" in {f["FIELD_NAME"] for f in state.userfields["CRM_DEAL"].values()}

        # A call: ADD, then the recording and UPDATE, through the outbound webhook only.
        contact = create_entity(state, "contact", {"NAME": "Olga", "PHONE": "+15550100"})
        deal = create_entity(state, "deal", {"TITLE": "Renewal", "CONTACT_ID": contact})
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{state.base_url}/_sandbox/calls", json={
                    "contact_id": contact, "deal_id": deal, "audio_b64": base64.b64encode(WAV).decode(),
                    "file_name": "call.wav", "record_delay_s": 0.5}) as response:
                activity_id = (await response.json())["activity_id"]
        blobs = LocalBlobStore(settings.resolved_blob_dir)

        async def ingested():
            return blobs.ingested(key, call_id_for(key, activity_id))
        await until(ingested, 60, "the call ingested through the webhook", stack)

        async def delivered():
            return len(state.events) == 2 and all(e["status"] is not None for e in state.events)
        await until(delivered, 20, "ADD and UPDATE delivered", stack)
        assert [(e["event"], e.get("via"), e["status"]) for e in state.events] == [
            ("ONCRMACTIVITYADD", "outbound_webhook", 200), ("ONCRMACTIVITYUPDATE", "outbound_webhook", 200)]
        paths = [r["path"] for r in state.requests]
        assert any(p.endswith(f"/{code}/disk.file.get") for p in paths)
        assert not any(p.startswith("/oauth/") for p in paths)

        # Its scores (ASR skipped) reach the contact's and deal's fields through the webhook.
        record = call_score(settings, state, activity_id, contact, deal, 81)
        record["context"] |= {"member_id": key, "call_id": call_id_for(key, activity_id)}
        producer = Producer(kafka_config(settings.kafka_bootstrap, partitioner="murmur2_random"))
        producer.produce(settings.topic(Topic.SCORED), key=key.encode(),
                         value=registry.encode("aica.CallScore", record))
        assert producer.flush(30) == 0

        async def both_written():
            return written_to(state, "contact", contact) and written_to(state, "deal", deal)
        await until(both_written, 60, "the CRM fields written", stack)
        assert state.deals[deal]["UF_CRM_AICA_QUALITY"] == "81"

        # A field deleted by hand: recreated through the webhook, then written.
        delete_field_by_name(state, "deal", "UF_CRM_AICA_QUALITY")
        _, deal2 = publish_score(settings, state, key, 5001)

        async def rewritten():
            return written_to(state, "deal", deal2)
        await until(rewritten, 60, "the deleted field recreated and written", stack)

        # Each misconfiguration: the CRM write is dead-lettered with what to fix.
        cases = [
            ("missing crm scope", lambda: state.webhooks[code].update(scopes=frozenset({"disk"})),
             "tick crm and disk"),
            ("insufficient permissions", lambda: setattr(state.faults, "denied", {"crm.contact.update",
                                                                                   "crm.deal.update"}),
             "lacks the permission"),
            ("wrong url", lambda: state.webhooks.pop(code), "webhook URL is wrong or the webhook was deleted"),
        ]
        saved_scopes = state.webhooks[code]["scopes"]
        for n, (case, break_it, reason) in enumerate(cases):
            break_it()
            activity = 6000 + n
            publish_score(settings, state, key, activity)

            async def letter():
                return await dead_letter_of(settings, call_id_for(key, activity))
            found = await until(letter, 60, f"the dead letter of {case}", stack)
            assert found["stage"] == "crm" and found["error_type"] == "AccessDenied", found
            assert reason in found["reason"], (case, found["reason"])
            # Mended for the next case.
            state.faults.denied = set()
            state.webhooks.setdefault(code, {"user_id": 1, "scopes": saved_scopes})["scopes"] = saved_scopes
    finally:
        await stack.stop()
