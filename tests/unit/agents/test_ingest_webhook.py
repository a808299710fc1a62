"""Ingest on a webhook-connected sandbox portal (real RestClient, real portal, real blob store):
the activity, bindings and statistics come in one batch through the inbound webhook and the
recording through disk.file.get; a webhook without the crm scope rejects the call with the fix."""
from __future__ import annotations

import hashlib

import pytest

from agents.ingest import Ingestor
from bitrix.client import RestClient
from bitrix.portals import InMemoryPortals
from blobs.store import LocalBlobStore
from catalog.projects import load_catalog
from control.webhooks import webhook_portal
from sandbox.calls import CallSpec, attach_recording, create_call
from sandbox.webhooks import add_inbound
from schemas import registry
from streams.stage import Reject
from streams.settings import Settings

AUDIO = b"RIFF" + bytes(range(256)) * 20


def event(member_id: str, activity_id: int) -> dict:
    return {"event": "ONCRMACTIVITYUPDATE", "member_id": member_id, "entity_id": str(activity_id),
            "source": "bitrix24", "domain": "ignored", "ts": 1, "event_id": "e", "clean": None}


@pytest.fixture
def ingest_on_webhook(sandbox_portal, http_session, tmp_path):
    state = sandbox_portal

    def make(scopes=("crm", "disk", "telephony", "user")):
        portal = webhook_portal(state.domain, add_inbound(state, scopes=scopes), "a" * 32, None, None, 0.0)
        settings = Settings(data_dir=tmp_path, rest_burst=500, rest_rate_per_s=1000.0)
        portals = InMemoryPortals(portal)
        ingestor = Ingestor(settings, portals, RestClient(http_session, portals, settings),
                            LocalBlobStore(tmp_path / "blobs"), load_catalog(settings))
        return ingestor, portal.member_id
    return state, make


async def test_a_call_is_ingested_through_the_webhook(ingest_on_webhook):
    state, make = ingest_on_webhook
    ingestor, key = make()
    activity_id, _ = create_call(state, CallSpec(line="reg5", contact_id=None, deal_id=None))
    attach_recording(state, activity_id, "call.wav", "audio/wav", AUDIO)
    [ingested, status] = await ingestor.handle(event(key, activity_id), None)
    record = registry.decode("aica.CallIngested", registry.encode(ingested.record_name, ingested.record))
    assert record["context"]["call_id"] == f"{key}.{activity_id}" and record["context"]["line"] == "reg5"
    assert record["audio"]["sha256"] == hashlib.sha256(AUDIO).hexdigest()
    assert [r["method"] for r in state.requests[:2]] == ["batch", "disk.file.get"]
    assert len(state.requests) == 3 and state.requests[2]["path"].endswith("/download/")  # the signed link
    assert all("/rest/1/" in r["path"] for r in state.requests)


async def test_without_the_crm_scope_the_call_is_rejected_with_the_fix(ingest_on_webhook):
    state, make = ingest_on_webhook
    ingestor, key = make(scopes=("disk", "telephony"))
    activity_id, _ = create_call(state, CallSpec())
    with pytest.raises(Reject, match="tick crm and disk"):
        await ingestor.handle(event(key, activity_id), None)
