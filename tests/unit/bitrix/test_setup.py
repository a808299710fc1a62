"""Post-install setup against the real sandbox portal: bindings and fields, idempotent."""
from __future__ import annotations

import aiohttp
import pytest

from bitrix.client import RestClient
from bitrix.errors import BitrixError
from bitrix.portals import InMemoryPortals
from bitrix.setup import SetupFailed, binding_commands, is_already_bound, setup_portal
from sandbox import SandboxState, create_sandbox_app
from streams.settings import Settings

WANTED = {"contact": {"UF_CRM_AICA_QUALITY": "quality", "UF_CRM_AICA_SUMMARY": "summary"},
          "deal": {"UF_CRM_AICA_QUALITY": "quality"}}
PUBLIC = "https://gw.example"


@pytest.fixture
async def portal(aiohttp_server):
    state = SandboxState()
    server = await aiohttp_server(create_sandbox_app(state))
    state.base_url = str(server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as session:
        yield state, RestClient(session, InMemoryPortals(state.installation()), Settings(rest_burst=500,
                                                                                          rest_rate_per_s=100))


def test_one_batch_binds_three_events_and_two_tabs():
    cmds = binding_commands(PUBLIC + "/")
    assert sorted(m for m, _ in cmds.values()) == ["event.bind"] * 3 + ["placement.bind"] * 2
    assert {p["handler"] for m, p in cmds.values() if m == "event.bind"} == {PUBLIC + "/b24/events"}
    tab = cmds["placement:CRM_DEAL_DETAIL_TAB"][1]
    assert tab["HANDLER"] == PUBLIC + "/app/placement" and tab["LANG_ALL"]["ru"]["TITLE"]


@pytest.mark.parametrize("code, description, already", [
    ("ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!", True),
    ("ERROR_PLACEMENT_HANDLER_ALREADY_BINDED", "", True),
    ("ERROR_CORE", "Unable to set event handler: Handler already binded", True),
    ("ACCESS_DENIED", "Access denied", False), ("ERROR_EVENT_NOT_FOUND", "", False)])
def test_already_bound_is_recognised(code, description, already):
    assert is_already_bound(BitrixError(code, description, 400)) is already


async def test_setup_binds_and_creates_fields_once(portal):
    state, rest = portal
    first = await setup_portal(rest, state.member_id, PUBLIC, WANTED)
    assert len(first.bound) == 5 and first.already_bound == []
    assert sorted(first.fields_created) == ["contact.UF_CRM_AICA_QUALITY", "contact.UF_CRM_AICA_SUMMARY",
                                            "deal.UF_CRM_AICA_QUALITY"]
    assert {(b["event"], b["handler"]) for b in state.event_bindings} == {
        (e, PUBLIC + "/b24/events") for e in ("ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE", "ONAPPUNINSTALL")}
    assert {p["placement"] for p in state.placements} == {"CRM_CONTACT_DETAIL_TAB", "CRM_DEAL_DETAIL_TAB"}
    second = await setup_portal(rest, state.member_id, PUBLIC, WANTED)
    assert (second.bound, len(second.already_bound), second.fields_created) == ([], 5, [])
    assert len(state.event_bindings) == 3 and len(state.placements) == 2


async def test_a_refused_binding_fails_setup_with_the_reason(portal):
    state, rest = portal
    state.faults.denied = {"placement.bind"}
    with pytest.raises(SetupFailed, match="placement:CRM_CONTACT_DETAIL_TAB: ACCESS_DENIED"):
        await setup_portal(rest, state.member_id, PUBLIC, WANTED)


async def test_setup_costs_three_requests_of_the_portals_rate_limit(portal):
    """Bindings, the field lists and the new fields: one batch each, not one request per field
    (the gateway makes them from its small side budget, bitrix.limits)."""
    state, rest = portal
    await setup_portal(rest, state.member_id, PUBLIC, WANTED)
    first = [r["method"] for r in state.requests if r["path"].startswith("/rest/")]
    assert first == ["batch"] * 3
    fields = {f["FIELD_NAME"]: f for f in state.userfields["CRM_CONTACT"].values()}
    assert (fields["UF_CRM_AICA_QUALITY"]["USER_TYPE_ID"], fields["UF_CRM_AICA_QUALITY"]["XML_ID"]) == (
        "double", "aica_quality")
    await setup_portal(rest, state.member_id, PUBLIC, WANTED)  # nothing to create: two batches
    assert len([r for r in state.requests if r["path"].startswith("/rest/")]) == 5


async def test_a_refused_field_fails_setup(portal):
    state, rest = portal
    state.faults.denied = {"crm.deal.userfield.add"}
    with pytest.raises(BitrixError, match="ACCESS_DENIED"):
        await setup_portal(rest, state.member_id, PUBLIC, WANTED)
