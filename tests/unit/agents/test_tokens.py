"""The token agent's decisions (against the real sandbox OAuth server), plus the two other
lifecycle pieces of the worker: the parked-message verdicts and the uninstall purge (real chdb)."""
from __future__ import annotations

from dataclasses import replace

import aiohttp
import pytest
from cryptography.fernet import Fernet

from agents.lifecycle import Lifecycle, purge_portal_rows, purge_statements
from agents.parked import reparked, verdict
from agents.tokens import TokenAgent
from control.tokens import open_portal, seal_portal, token_request
from blobs.store import LocalBlobStore
from bitrix.oauth import LocalTokens
from bitrix.portals import InMemoryPortals
from sandbox import SandboxState
from streams.settings import Settings
from streams.stage import Consumed, Reject

BOX = Fernet(Fernet.generate_key())
NO_MESSAGE = Consumed("t", None, b"")


@pytest.fixture
def sandbox(sandbox_portal) -> SandboxState:
    return sandbox_portal


@pytest.fixture
async def agent(sandbox):
    portals = InMemoryPortals(sandbox.installation())
    async with aiohttp.ClientSession() as session:
        yield TokenAgent(portals, LocalTokens(session, portals, Settings()), BOX, catch_up_s=0.2), portals


async def test_refresh_request_with_the_current_token_refreshes_once(agent, sandbox):
    tokens, portals = agent
    failed = portals.get(sandbox.member_id)
    sandbox.expire_tokens()
    request = token_request(sandbox.member_id, "refresh", failed.generation, failed_token=failed.access_token)
    assert failed.access_token not in str(request)  # only its digest travels
    await tokens.handle(request, NO_MESSAGE)
    await tokens.handle(request, NO_MESSAGE)  # a second requester with the same dead token: skipped
    assert sandbox.refresh_count == 1
    fresh = portals.get(sandbox.member_id)
    assert fresh.generation == failed.generation + 1 and sandbox.token_status(fresh.access_token) == "ok"


async def test_refused_refresh_marks_the_portal_for_reauthorization(agent, sandbox):
    tokens, portals = agent
    failed = portals.get(sandbox.member_id)
    sandbox.revoke_refresh()
    await tokens.handle(token_request(sandbox.member_id, "refresh", failed.generation,
                                      failed_token=failed.access_token), NO_MESSAGE)
    assert portals.get(sandbox.member_id).status == "reauth_required"


async def test_install_and_uninstall_requests(agent, sandbox):
    tokens, portals = agent
    current = portals.get(sandbox.member_id)
    newer = replace(current, access_token="a2", refresh_token="r2", status="active")
    assert open_portal(seal_portal(newer, BOX), BOX) == newer
    await tokens.handle(token_request(sandbox.member_id, "install", current.generation,
                                      portal_enc=seal_portal(newer, BOX)), NO_MESSAGE)
    stored = portals.get(sandbox.member_id)
    assert (stored.access_token, stored.generation) == ("a2", current.generation + 1)
    with pytest.raises(Reject):  # the sealed portal must be the key's
        await tokens.handle(token_request("other", "install", 0, portal_enc=seal_portal(newer, BOX)), NO_MESSAGE)
    await tokens.handle(token_request(sandbox.member_id, "uninstall", stored.generation), NO_MESSAGE)
    gone = portals.get(sandbox.member_id)
    assert (gone.status, gone.access_token, gone.refresh_token) == ("uninstalled", "", "")


def test_parked_messages_wait_for_an_active_portal():
    portal = SandboxState(base_url="http://p").installation()
    assert verdict(portal) == "forward"
    assert verdict(replace(portal, status="reauth_required")) == "wait"
    assert verdict(replace(portal, status="uninstalled")) == verdict(None) == "drop"
    envelope = {"target_topic": "t", "key": b"k", "value": b"v", "stage": "crm", "attempt": 0,
                "reason": "r", "due_at": 0}
    assert reparked(envelope, 1_000, 30) == {**envelope, "due_at": 31_000}


class RecordingTokens:
    def __init__(self):
        self.uninstalled = []

    async def uninstall(self, member_id, event_at=None):
        self.uninstalled.append(member_id)


async def test_uninstall_deletes_tokens_and_purges_only_with_clean(tmp_path):
    blobs, purged, tokens = LocalBlobStore(tmp_path / "blobs"), [], RecordingTokens()

    async def purge(member_id):
        purged.append(member_id)
    lifecycle = Lifecycle(tokens, blobs, purge)
    blobs.call_dir("m1", "m1.5").mkdir(parents=True)
    event = {"event": "ONAPPUNINSTALL", "member_id": "m1", "clean": False}
    await lifecycle.handle(event)
    assert tokens.uninstalled == ["m1"] and purged == [] and (tmp_path / "blobs" / "m1").exists()
    await lifecycle.handle({**event, "clean": True})
    assert purged == ["m1"] and not (tmp_path / "blobs" / "m1").exists()
    await lifecycle.handle({"event": "ONAPPUPDATE", "member_id": "m1"})
    assert tokens.uninstalled == ["m1", "m1"]


def test_purge_deletes_every_table_row_of_one_portal_only(tmp_path):
    from warehouse.connection import connect
    from warehouse.writer import ClickHouseWriter
    from warehouse.schema import TABLE_DDL
    settings = Settings(data_dir=tmp_path, clickhouse_database="aica_purge")
    assert len(purge_statements("aica_purge")) == len(TABLE_DDL)
    client = connect(settings)
    try:
        ClickHouseWriter(client, "aica_purge").ensure_schema()
        for member in ("m1", "m2"):
            client.command(f"INSERT INTO aica_purge.dead_letters (member_id, call_id, stage, source_topic, "
                           f"error_type, reason, attempts, failed_at) VALUES ('{member}', 'c', 's', 't', 'e', "
                           "'r', 1, now64(3))")
        purge_portal_rows(client, "aica_purge", "m1")
        rows = client.query("SELECT member_id FROM aica_purge.dead_letters").result_rows
        assert rows == [("m2",)]
    finally:
        client.close()
