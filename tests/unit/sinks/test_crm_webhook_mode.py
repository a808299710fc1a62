"""The CRM sink on a webhook-connected sandbox portal (real RestClient, real portal): fields are
written and read back through the inbound webhook, a field deleted by hand is recreated, and each
misconfiguration leaves its reason in the ledger (the delivery status's CRM write error) and
raises the permanent error the stage dead-letters."""
from __future__ import annotations

import pytest

from bitrix.client import AccessDenied, RestClient
from bitrix.fields import ensure_fields
from bitrix.portals import InMemoryPortals
from control.webhooks import webhook_portal
from sandbox.crm import create_entity, delete_field_by_name
from sandbox.webhooks import add_inbound
from sinks.crm_writeback import CrmWriter
from streams.settings import Settings

from test_crm_writeback import Catalog, MemoryLedger

FIELDS = {"UF_CRM_AICA_QUALITY": "quality", "UF_CRM_AICA_SUMMARY": "summary",
          "UF_CRM_AICA_IMPROVE": "improvements", "UF_CRM_AICA_COMPLY": "compliance"}


@pytest.fixture
async def webhook_portal_setup(sandbox_portal, http_session):
    state = sandbox_portal
    url = add_inbound(state)
    portal = webhook_portal(state.domain, url, "a" * 32, "m1", None, 0.0)
    rest = RestClient(http_session, InMemoryPortals(portal), Settings(rest_burst=500, rest_rate_per_s=1000.0))
    await ensure_fields(rest, "m1", {"contact": FIELDS, "deal": FIELDS})
    contact = create_entity(state, "contact", {"NAME": "Olga"})
    deal = create_entity(state, "deal", {"TITLE": "Renewal"})
    score = {"context": {"call_id": "m1.101", "member_id": "m1", "project": "support",
                         "bindings": [{"entity_type": "contact", "entity_id": contact},
                                      {"entity_type": "deal", "entity_id": deal}]},
             "score": 85, "summary": "Refund issued.", "improvements": ["Offer a callback"], "compliance": "pass"}
    return state, url.rstrip("/").rsplit("/", 1)[1], rest, score, deal


async def test_fields_are_written_and_a_deleted_one_recreated_through_the_webhook(webhook_portal_setup):
    state, code, rest, score, deal = webhook_portal_setup
    delete_field_by_name(state, "deal", "UF_CRM_AICA_QUALITY")
    ledger = MemoryLedger()
    await CrmWriter(rest, ledger, Catalog()).handle(score, None)
    assert state.deals[deal]["UF_CRM_AICA_QUALITY"] == "85" and set(ledger.rows.values()) == {"done"}
    assert all(f"/rest/1/{code}/" in r["path"] for r in state.requests)


@pytest.mark.parametrize("case, reason", [
    ("missing crm scope", "tick crm and disk"),
    ("insufficient permissions", "lacks the permission"),
    ("wrong url", "webhook URL is wrong or the webhook was deleted"),
])
async def test_each_misconfiguration_leaves_its_reason_in_the_delivery_status(webhook_portal_setup, case, reason):
    state, code, rest, score, _ = webhook_portal_setup
    if case == "missing crm scope":
        state.webhooks[code]["scopes"] = frozenset({"disk"})
    elif case == "insufficient permissions":
        state.faults.denied = {"crm.contact.update", "crm.deal.update"}
    else:
        state.webhooks.pop(code)
    ledger = MemoryLedger()
    with pytest.raises(AccessDenied, match=reason):
        await CrmWriter(rest, ledger, Catalog()).handle(score, None)
    # Each write is recorded as failed, with the reason (per command, or for the whole request).
    assert len(ledger.rows) == 2 and set(ledger.rows.values()) == {"failed"}
    assert all(reason in error for error in ledger.errors.values())
    assert state.updates == []
