"""Contacts, deals and user fields: the UF_CRM_ prefix rule and silent dropping of unknown fields."""
from __future__ import annotations

import pytest

from sandbox.crm import normalise_field_name
from sandbox.wire import RestError


@pytest.mark.parametrize(("raw", "stored"), [
    ("AICA_QUALITY", "UF_CRM_AICA_QUALITY"),
    ("UF_AICA_QUALITY", "UF_CRM_AICA_QUALITY"),
    ("UF_CRM_AICA_QUALITY", "UF_CRM_AICA_QUALITY"),
    ("aica_risk", "UF_CRM_AICA_RISK"),
])
def test_field_name_gets_the_uf_crm_prefix(raw, stored):
    assert normalise_field_name(raw) == stored


@pytest.mark.parametrize("raw", ["AICA-QUALITY", "X" * 44])
def test_bad_field_names_are_error_core(raw):
    with pytest.raises(RestError) as caught:
        normalise_field_name(raw)
    assert caught.value.code == "ERROR_CORE"


async def test_userfield_add_list_delete(sandbox):
    _, body = await sandbox.rest("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "AICA_RISK", "USER_TYPE_ID": "enumeration", "XML_ID": "aica_risk",
        "LIST": [{"VALUE": "low", "XML_ID": "low"}, {"VALUE": "high", "XML_ID": "high"}]}})
    field_id = body["result"]
    assert isinstance(field_id, int)
    _, body = await sandbox.rest("crm.deal.userfield.list", {"filter": {"XML_ID": "aica_risk"}})
    (row,) = body["result"]
    assert (row["FIELD_NAME"], row["ENTITY_ID"]) == ("UF_CRM_AICA_RISK", "CRM_DEAL")
    assert [item["VALUE"] for item in row["LIST"]] == ["low", "high"]
    status, body = await sandbox.rest("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "UF_CRM_AICA_RISK", "USER_TYPE_ID": "string"}})
    assert status == 400  # already exists
    assert (await sandbox.rest("crm.deal.userfield.delete", {"id": field_id}))[1]["result"] is True
    status, body = await sandbox.rest("crm.deal.userfield.delete", {"id": field_id})
    assert (status, body["error"]) == (400, "ERROR_NOT_FOUND")
    assert (await sandbox.rest("crm.contact.userfield.list", {}))[1]["result"] == []


async def test_update_stores_known_fields_and_drops_unknown(sandbox):
    contact_id = (await sandbox.control("contacts", {"NAME": "Anna"}))["id"]
    await sandbox.rest("crm.contact.userfield.add", {"fields": {
        "FIELD_NAME": "AICA_QUALITY", "USER_TYPE_ID": "double"}})
    status, body = await sandbox.rest("crm.contact.update", {"id": contact_id, "fields": {
        "UF_CRM_AICA_QUALITY": 8.5, "UF_CRM_NOT_THERE": "x", "LAST_NAME": "Smirnova"},
        "params": {"REGISTER_SONET_EVENT": "N"}})
    assert (status, body["result"]) == (200, True)
    _, body = await sandbox.rest("crm.contact.get", {"id": contact_id})
    contact = body["result"]
    assert (contact["UF_CRM_AICA_QUALITY"], contact["LAST_NAME"]) == ("8.5", "Smirnova")
    assert "UF_CRM_NOT_THERE" not in contact
    (update,) = sandbox.state.updates
    assert update["method"] == "crm.contact.update" and update["id"] == contact_id
    assert update["fields"]["UF_CRM_NOT_THERE"] == "x" and update["ignored"] == ["UF_CRM_NOT_THERE"]
    response = await sandbox.http.get(f"/_sandbox/entities/contact/{contact_id}")
    assert (await response.json())["UF_CRM_AICA_QUALITY"] == "8.5"
    response = await sandbox.http.get("/_sandbox/updates")
    assert [u["id"] for u in (await response.json())["updates"]] == [contact_id]


async def test_update_of_missing_deal_is_not_found(sandbox):
    status, body = await sandbox.rest("crm.deal.update", {"id": 424242, "fields": {"TITLE": "x"}})
    assert (status, body["error_description"]) == (400, "Not found")
    assert sandbox.state.updates == []
