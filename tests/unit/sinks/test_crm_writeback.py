"""CRM write-back: which fields go where, and idempotence through the delivery ledger."""
from __future__ import annotations

import pytest

from catalog.projects import CrmField, CrmFieldMap, Project
from sinks.crm_writeback import CrmWriter, already_applied, crm_updates, fingerprint

SCORE = {
    "context": {"call_id": "m1.101", "member_id": "m1", "project": "support",
                "bindings": [{"entity_type": "contact", "entity_id": 5}, {"entity_type": "deal", "entity_id": 9},
                             {"entity_type": "lead", "entity_id": 3}]},
    "score": 85, "summary": "Refund issued.", "improvements": ["Offer a callback", "Confirm the email"],
    "compliance": "na",
}
PROJECT = Project(name="support", scorecard="default")


def test_enabled_fields_go_to_contact_and_deal_only():
    updates = crm_updates(SCORE, PROJECT)
    assert [(u.entity_type, u.entity_id) for u in updates] == [("contact", 5), ("deal", 9)]
    assert updates[0].fields == {"UF_CRM_AICA_QUALITY": 85, "UF_CRM_AICA_SUMMARY": "Refund issued.",
                                 "UF_CRM_AICA_IMPROVE": "- Offer a callback\n- Confirm the email",
                                 "UF_CRM_AICA_COMPLY": "n/a"}


def test_disabled_and_renamed_fields_are_respected():
    fields = CrmFieldMap(summary=CrmField(enabled=False, name="UF_CRM_AICA_SUMMARY"),
                         quality=CrmField(name="UF_CRM_QA_SCORE"))
    project = Project(name="support", scorecard="default", crm_fields=fields, write_to=("deal",))
    [update] = crm_updates(SCORE, project)
    assert update.entity_type == "deal"
    assert "UF_CRM_AICA_SUMMARY" not in update.fields and update.fields["UF_CRM_QA_SCORE"] == 85


def test_fingerprint_changes_with_values_only():
    a, b = crm_updates(SCORE, PROJECT)
    assert fingerprint("m1.101", a) == fingerprint("m1.101", crm_updates(SCORE, PROJECT)[0])
    assert fingerprint("m1.101", a) != fingerprint("m1.101", b)
    assert fingerprint("m1.101", a) != fingerprint("m1.101", crm_updates({**SCORE, "score": 84}, PROJECT)[0])


def test_already_applied_compares_portal_strings():
    assert already_applied({"UF_CRM_AICA_QUALITY": "85", "X": "1"}, {"UF_CRM_AICA_QUALITY": 85})
    assert not already_applied({"UF_CRM_AICA_QUALITY": "70"}, {"UF_CRM_AICA_QUALITY": 85})


class FakeRest:
    def __init__(self, entities=None):
        self.calls = []
        self.entities = {k: {**dict.fromkeys(self.field_names), **v} for k, v in (entities or {}).items()}

    async def call(self, member_id, method, params):
        self.calls.append((method, params["id"]))
        return self.entities.get(params["id"], {})

    async def batch(self, member_id, cmds):
        """Like the portal: updates store only fields the entity has; gets read them back."""
        results = {}
        for name, (method, params) in cmds.items():
            self.calls.append((method, params["id"]))
            entity = self.entities.setdefault(params["id"], dict.fromkeys(self.field_names))
            if method.endswith(".update"):
                entity.update({k: str(v) for k, v in params["fields"].items() if k in entity})
                results[name] = True
            else:
                results[name] = dict(entity)
        return results, {}

    field_names = ("UF_CRM_AICA_QUALITY", "UF_CRM_AICA_SUMMARY", "UF_CRM_AICA_IMPROVE", "UF_CRM_AICA_COMPLY")


class MemoryLedger:
    def __init__(self):
        self.rows = {}
        self.errors = {}
        self.orders = {}

    async def status(self, *key):
        return self.rows.get(key)

    async def mark(self, *args, error="", call_order=""):
        *key, status, fields = args
        self.rows[tuple(key)] = status
        self.errors[tuple(key)] = error
        self.orders[tuple(key)] = call_order

    async def newest(self, member_id, entity_type, entity_id):
        done = [self.orders[k] for k, status in self.rows.items()
                if status == "done" and k[0] == member_id and k[2:4] == (entity_type, entity_id)]
        return max(done, default=None)


class Catalog:
    projects = {"support": PROJECT}

    def for_portal(self, member_id):
        return self


async def test_redelivery_writes_nothing_twice():
    rest, ledger = FakeRest(), MemoryLedger()
    writer = CrmWriter(rest, ledger, Catalog())
    await writer.handle(SCORE, None)
    await writer.handle(SCORE, None)
    assert rest.calls == [("crm.contact.update", 5), ("crm.contact.get", 5),
                          ("crm.deal.update", 9), ("crm.deal.get", 9)]  # one batch, read back
    assert set(ledger.rows.values()) == {"done"}


async def test_pending_after_a_crash_is_checked_against_the_portal():
    [contact_update, _] = crm_updates(SCORE, PROJECT)
    portal_state = {5: {k: str(v) for k, v in contact_update.fields.items()}}  # the write had landed
    rest, ledger = FakeRest(portal_state), MemoryLedger()
    ledger.rows[("m1", "m1.101", "contact", 5, fingerprint("m1.101", contact_update))] = "pending"
    await CrmWriter(rest, ledger, Catalog()).handle(SCORE, None)
    assert rest.calls == [("crm.contact.get", 5), ("crm.deal.update", 9), ("crm.deal.get", 9)]


async def test_pending_write_that_did_not_land_is_written():
    [contact_update, _] = crm_updates(SCORE, PROJECT)
    rest, ledger = FakeRest({5: {"UF_CRM_AICA_QUALITY": "10"}}), MemoryLedger()
    ledger.rows[("m1", "m1.101", "contact", 5, fingerprint("m1.101", contact_update))] = "pending"
    await CrmWriter(rest, ledger, Catalog()).handle(SCORE, None)
    assert ("crm.contact.update", 5) in rest.calls


async def test_a_failed_write_is_recorded_with_its_error_and_raised():
    from bitrix.errors import AccessDenied

    class DeniedDeal(FakeRest):
        async def batch(self, member_id, cmds):
            results, errors = await super().batch(member_id, cmds)
            for name, (method, params) in cmds.items():
                if params["id"] == 9:
                    results.pop(name, None)
                    errors[name] = AccessDenied("ACCESS_DENIED", "no rights to deal 9", 403)
            return results, errors

    ledger = MemoryLedger()
    with pytest.raises(AccessDenied):
        await CrmWriter(DeniedDeal(), ledger, Catalog()).handle(SCORE, None)
    statuses = {key[2]: (status, ledger.errors[key]) for key, status in ledger.rows.items()}
    assert statuses["contact"] == ("done", "")
    assert statuses["deal"][0] == "failed" and "ACCESS_DENIED" in statuses["deal"][1]


def scored(call_id: str, activity_id: int, started_at: int, scorecard: str, score: int) -> dict:
    context = {**SCORE["context"], "call_id": call_id, "activity_id": activity_id, "started_at": started_at}
    return {**SCORE, "context": context, "scorecard": scorecard, "score": score}


async def test_a_rescored_old_call_never_overwrites_a_newer_calls_fields():
    rest, ledger = FakeRest(), MemoryLedger()
    writer = CrmWriter(rest, ledger, Catalog())
    await writer.handle(scored("m1.200", 200, 2_000_000, "default@1", 70), None)  # the contact's latest call
    await writer.handle(scored("m1.100", 100, 1_000_000, "default@2", 15), None)  # last quarter's, rescored
    assert rest.entities[5]["UF_CRM_AICA_QUALITY"] == "70"
    assert rest.entities[9]["UF_CRM_AICA_QUALITY"] == "70"


async def test_a_newer_scorecard_version_of_the_same_call_replaces_the_older_and_not_back():
    rest, ledger = FakeRest(), MemoryLedger()
    writer = CrmWriter(rest, ledger, Catalog())
    await writer.handle(scored("m1.200", 200, 2_000_000, "default@2", 40), None)
    await writer.handle(scored("m1.200", 200, 2_000_000, "default@10", 90), None)  # 10 > 2, numerically
    assert rest.entities[5]["UF_CRM_AICA_QUALITY"] == "90"
    await writer.handle(scored("m1.200", 200, 2_000_000, "default@2", 40), None)  # a late v2 redelivery
    assert rest.entities[5]["UF_CRM_AICA_QUALITY"] == "90"
