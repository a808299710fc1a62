"""The app lifecycle on the real broker, with the sandbox portal: install through the install
callback, token refresh through the token agent (one writer across processes), re-authorization
of parked CRM writes, and uninstall with CLEAN=1. Scored calls are put straight on
`calls.scored.v1`, so no model is loaded; the worker runs the stages these need."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import aiohttp
import pytest
from confluent_kafka import Producer

from control.tokens import KafkaTokens
from aica.embedded import EmbeddedStack, install_outcome
from bitrix.client import RestClient
from sandbox.crm import create_entity
from schemas import registry
from streams.offsets import group_lag
from streams.topics import Topic
from streams.kafka_clients import kafka_config

pytestmark = [pytest.mark.integration]
STAGES = "ingest,crm,clickhouse,retry,tokens,parked"


@pytest.fixture
def settings(pipeline_settings):
    return pipeline_settings.model_copy(update={"park_recheck_s": 1.0, "retry_delays_s": [0.5, 1.0, 2.0]})


async def until(check: Callable[[], bool], timeout_s: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout_s}s")
        await asyncio.sleep(0.2)


def score_record(member_id: str, activity_id: int, contact_id: int, deal_id: int) -> dict:
    now = int(time.time() * 1000)
    return {
        "context": {"call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": "sandbox",
                    "activity_id": activity_id, "project": "support-en", "language": "en", "line": None,
                    "direction": "incoming", "responsible_id": 1, "started_at": now, "duration_s": 30.0,
                    "bindings": [{"entity_type": "contact", "entity_id": contact_id},
                                 {"entity_type": "deal", "entity_id": deal_id}],
                    "versions": {"ingest": "1"}},
        "scorecard": "support-en", "score": 50 + activity_id % 50, "outcome": "good", "compliance": "pass",
        "summary": f"Call {activity_id}.", "improvements": ["Confirm the address"], "criteria": [],
        "talk": {"agent_talk_s": 10.0, "client_talk_s": 10.0, "silence_s": 1.0, "segments": 4},
        "scored_at": now,
    }


def put_scores(stack: EmbeddedStack, first_activity: int, n: int) -> list[tuple[str, int]]:
    """n scored calls, each bound to a new contact and deal; returns the entities to be written."""
    state, settings = stack.sandbox_state, stack.settings
    producer = Producer(kafka_config(settings.kafka_bootstrap))
    wanted = []
    for activity_id in range(first_activity, first_activity + n):
        contact = create_entity(state, "contact", {"NAME": f"c{activity_id}"})
        deal = create_entity(state, "deal", {"TITLE": f"d{activity_id}", "CONTACT_ID": contact})
        record = score_record(state.member_id, activity_id, contact, deal)
        producer.produce(settings.topic(Topic.SCORED), key=state.member_id.encode(),
                         value=registry.encode("aica.CallScore", record))
        wanted += [("contact", contact), ("deal", deal)]
    assert producer.flush(30) == 0
    return wanted


def writes(stack: EmbeddedStack) -> Counter:
    return Counter((u["method"].split(".")[1], int(u["id"])) for u in stack.sandbox_state.updates)


PURGED_TABLES = ("calls", "crm_deliveries")  # tables these scores surely fill (the purge covers all)


def row_counts(settings, member_id: str) -> dict[str, int]:
    from warehouse.connection import connect
    from warehouse.schema import TABLE_DDL
    client = connect(settings)
    try:
        counts = {table: client.command(f"SELECT count() FROM {table} WHERE member_id = {{m:String}}",
                                        parameters={"m": member_id}) for table in TABLE_DDL}
    finally:
        client.close()
    return {table: n for table, n in counts.items() if n}


async def started(settings) -> EmbeddedStack:
    return await EmbeddedStack(settings, worker_stages=STAGES, manage_broker=False).start()


async def test_install_sets_up_the_portal_forgeries_are_refused_and_uninstall_purges(settings):
    stack = await started(settings)
    state = stack.sandbox_state
    try:
        portal = stack.portals.get(state.member_id)
        assert portal.status == "active" and portal.application_token == state.application_token
        assert {(b["event"], b["handler"]) for b in state.event_bindings} == {
            (e, f"{stack.gateway_url}/b24/events") for e in ("ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE",
                                                             "ONAPPUNINSTALL")}
        assert {p["placement"] for p in state.placements} == {"CRM_CONTACT_DETAIL_TAB", "CRM_DEAL_DETAIL_TAB"}
        for entity in ("CRM_CONTACT", "CRM_DEAL"):
            assert {f["FIELD_NAME"] for f in state.userfields[entity].values()} == {
                "UF_CRM_AICA_QUALITY", "UF_CRM_AICA_SUMMARY", "UF_CRM_AICA_IMPROVE", "UF_CRM_AICA_COMPLY"}

        async with aiohttp.ClientSession(base_url=stack.sandbox_url) as http:
            forged = {"handler_url": f"{stack.gateway_url}/b24/install", "form": "frame",
                      "override": {"AUTH_ID": "forged-token"}}
            async with http.post("/_sandbox/install", json=forged) as resp:
                outcome = await resp.json()
            assert (outcome["status"], install_outcome(outcome["body"])["error"]) == (401, "bad_token")
            async with http.post("/_sandbox/uninstall", json={
                    "clean": True, "override": {"auth[application_token]": "0" * 32}}) as resp:
                assert (await resp.json())["status"] == 401
        assert stack.portals.get(state.member_id).generation == portal.generation

        wanted = put_scores(stack, 1000, 2)
        await until(lambda: set(wanted) <= set(writes(stack)), what="CRM writes")
        await until(lambda: group_lag(settings, settings.consumer_group, settings.topic(Topic.SCORED)) == 0,
                    what="scores consumed")
        await asyncio.to_thread(stack.stop_worker)  # chdb: one process at a time
        counts = row_counts(settings, state.member_id)
        assert set(PURGED_TABLES) <= set(counts), counts
        stack.start_worker()
        await stack.wait_worker_ready()
        recording = settings.resolved_blob_dir / state.member_id / f"{state.member_id}.1000"
        recording.mkdir(parents=True)
        (recording / "recording.wav").write_bytes(b"RIFF")

        async with aiohttp.ClientSession(base_url=stack.sandbox_url) as http:
            async with http.post("/_sandbox/uninstall", json={"clean": True}) as resp:
                assert (await resp.json())["status"] == 200
        await until(lambda: stack.portals.get(state.member_id).status == "uninstalled", what="uninstalled")
        await until(lambda: group_lag(settings, settings.consumer_group, settings.topic(Topic.EVENTS)) == 0,
                    what="uninstall handled")
        gone = stack.portals.get(state.member_id)
        assert (gone.access_token, gone.refresh_token) == ("", "")
        assert not (settings.resolved_blob_dir / state.member_id).exists()
        async with aiohttp.ClientSession() as http:  # events of an uninstalled portal are refused
            form = {"event": "ONCRMACTIVITYADD", "data[FIELDS][ID]": "5", "ts": "1700000000",
                    "auth[member_id]": state.member_id, "auth[domain]": state.domain,
                    "auth[application_token]": state.application_token}
            async with http.post(f"{stack.gateway_url}/b24/events", data=form) as resp:
                assert (resp.status, (await resp.json())["error"]) == (403, "portal_inactive")
        await asyncio.to_thread(stack.stop_worker)  # chdb: one process at a time
        left = row_counts(settings, state.member_id)
        assert not left, f"rows of the uninstalled portal remain: {left}"
    finally:
        await stack.stop()


async def test_expired_token_is_refreshed_once_and_no_write_is_lost(settings):
    stack = await started(settings)
    state = stack.sandbox_state
    try:
        first = put_scores(stack, 2000, 5)
        await until(lambda: set(first) <= set(writes(stack)), what="first CRM writes")
        state.expire_tokens()  # mid-stream: the next writes meet expired_token
        second = put_scores(stack, 3000, 5)
        await until(lambda: set(second) <= set(writes(stack)), what="CRM writes after expiry")
        assert state.refresh_count == 1
        counts = writes(stack)
        assert all(counts[entity] == 1 for entity in first + second), counts

        # 50 concurrent needs for a fresh token, from two "processes" (each its own client and
        # single-flight lock) plus the worker: the token agent refreshes exactly once.
        state.bucket = replace(state.bucket, burst=500, per_s=100.0)
        state.expire_tokens()
        client_settings = settings.model_copy(update={"rest_burst": 500, "rest_rate_per_s": 500.0})
        tokens = KafkaTokens(settings, stack.portals)
        async with aiohttp.ClientSession() as one, aiohttp.ClientSession() as two:
            clients = [RestClient(s, stack.portals, client_settings, tokens=tokens) for s in (one, two)]
            infos = await asyncio.gather(*(clients[i % 2].call(state.member_id, "app.info") for i in range(50)))
        assert all(info["install"]["member_id"] == state.member_id for info in infos)
        assert state.refresh_count == 2
    finally:
        await stack.stop()


async def test_revoked_refresh_token_parks_writes_until_the_admin_opens_the_app(settings):
    stack = await started(settings)
    state = stack.sandbox_state
    try:
        state.expire_tokens()
        state.revoke_refresh()  # the next refresh gets invalid_grant
        wanted = put_scores(stack, 4000, 4)
        await until(lambda: stack.portals.get(state.member_id).status == "reauth_required",
                    what="portal marked for re-authorization")
        await until(lambda: group_lag(settings, settings.consumer_group, settings.topic(Topic.SCORED)) == 0,
                    what="scores parked")
        assert not set(wanted) & set(writes(stack))  # paused, nothing written

        body = await stack.install_app("frame")  # the admin opens the app: a new AUTH_ID
        assert body["status"] == "installed"
        assert stack.portals.get(state.member_id).status == "active"
        await until(lambda: set(wanted) <= set(writes(stack)), what="parked writes resumed")
        await asyncio.sleep(2)  # a duplicate forward would land now
        counts = writes(stack)
        assert all(counts[entity] == 1 for entity in wanted), counts
        assert state.refresh_count == 0  # invalid_grant is not a refresh
    finally:
        await stack.stop()
