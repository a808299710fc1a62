"""Admin settings through the API: validation with the project rules, fields created on the
portal before the settings are stored, admin-only, per portal; relay secret rotation."""
from __future__ import annotations

import time

from catalog.portal_settings import PortalCatalogs
from catalog.projects import load_catalog

SUPPORT = {"language": "en", "lines": ["74951234567"], "scorecard": "support-en",
           "crm_fields": {"quality": {"enabled": True, "name": "UF_CRM_AICA_QUALITY"}},
           "write_to": ["contact", "deal"]}
SALES = {"language": "ru", "lines": ["reg777"], "scorecard": "support-en",
         "crm_fields": {"quality": {"enabled": True, "name": "UF_CRM_SALES_Q"},
                        "summary": {"enabled": False, "name": "UF_CRM_AICA_SUMMARY"}},
         "write_to": ["deal"]}
BODY = {"projects": {"support-en": SUPPORT, "sales-ru": SALES}, "default_project": "support-en"}


async def put(dashboard, session: str, body: dict):
    return await dashboard.client.put("/app/api/settings", json=body, headers={"Authorization": f"Bearer {session}"})


async def test_a_non_admin_can_neither_read_nor_change_settings(dashboard, portal_a):
    agent = dashboard.session(portal_a.state.member_id, user_id=2, is_admin=False)
    assert (await put(dashboard, agent, BODY)).status == 403
    assert (await dashboard.get("/app/api/settings", agent)).status == 403
    rotate = await dashboard.client.post("/app/api/relay-secret/rotate", headers={"Authorization": f"Bearer {agent}"})
    assert rotate.status == 403
    assert dashboard.portal_settings.values == {}


async def test_an_admin_change_creates_the_fields_and_applies_to_that_portal_only(dashboard, portal_a, portal_b):
    a, b = portal_a.state.member_id, portal_b.state.member_id
    response = await put(dashboard, dashboard.session(a), BODY)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["source"] == "portal" and set(body["projects"]) >= {"support-en", "sales-ru"}
    assert "deal.UF_CRM_SALES_Q" in body["fields_created"]
    assert any(f["FIELD_NAME"] == "UF_CRM_SALES_Q" for f in portal_a.state.userfields["CRM_DEAL"].values())
    assert not portal_b.state.userfields["CRM_DEAL"]  # nothing done on the other portal
    catalogs = PortalCatalogs(load_catalog(dashboard.settings), dashboard.portal_settings)
    assert catalogs.resolve(a, "reg777").name == "sales-ru"
    assert catalogs.resolve(b, "reg777").name == "support-en"  # B still has the built-in mapping
    fields = catalogs.for_portal(a).projects["sales-ru"].crm_fields.enabled_fields()
    assert fields["quality"] == "UF_CRM_SALES_Q" and "summary" not in fields  # renamed; disabled
    got = await (await dashboard.get("/app/api/settings", dashboard.session(a))).json()
    assert got["projects"]["sales-ru"]["crm_fields"]["summary"] == {"enabled": False, "name": "UF_CRM_AICA_SUMMARY"}
    other = await (await dashboard.get("/app/api/settings", dashboard.session(b))).json()
    assert other["source"] == "default" and "sales-ru" not in other["projects"]


async def test_invalid_settings_are_refused_with_the_reason(dashboard, portal_a):
    session = dashboard.session(portal_a.state.member_id)
    broken = [
        {**BODY, "default_project": "nope"},
        {**BODY, "projects": {"x": {**SALES, "scorecard": "unknown"}}, "default_project": "x"},
        {**BODY, "projects": {"x": {**SALES, "crm_fields": {"quality": {"name": "UF_CRM_WAY_TOO_LONG_NAME"}}}},
         "default_project": "x"},
        {**BODY, "projects": {"x": SALES, "y": {**SALES}}, "default_project": "x"},  # a line mapped twice
        {**BODY, "projects": {"x": {**SALES, "write_to": ["invoice"]}}, "default_project": "x"},
        {**BODY, "projects": {"x": {**SALES, "language": "de"}}, "default_project": "x"},  # no redaction policy
    ]
    for body in broken:
        response = await put(dashboard, session, body)
        assert response.status == 400, body
        assert (await response.json())["error"] == "invalid_settings"
    assert dashboard.portal_settings.values == {}


async def test_relay_secret_rotation_keeps_the_previous_one_for_the_overlap(dashboard, portal_a):
    a = portal_a.state.member_id
    headers = {"Authorization": f"Bearer {dashboard.session(a)}"}
    first = await (await dashboard.client.post("/app/api/relay-secret/rotate", headers=headers)).json()
    second = await (await dashboard.client.post("/app/api/relay-secret/rotate", headers=headers)).json()
    assert first["secret"] != second["secret"] and second["previous_valid_until"]
    stored = dashboard.portal_settings.get(a)
    now = time.time()
    assert stored.relay_secrets(now) == (second["secret"].encode(), first["secret"].encode())
    assert stored.relay_secrets(now + dashboard.settings.relay_secret_overlap_s + 1) == (second["secret"].encode(),)


async def test_admins_see_the_rescore_runs_of_their_portal_and_of_all_portals(dashboard, portal_a, portal_b):
    a, b = portal_a.state.member_id, portal_b.state.member_id
    run = {"run_id": "r1", "member_id": None, "project": None, "since": 1_780_000_000_000, "until": None,
           "scorecards": ["support-en@2"], "end_offsets": {"0": 10}, "write_crm": False, "state": "done",
           "calls_read": 10, "calls_rescored": 9, "started_at": 1_780_000_100_000, "updated_at": 1_780_000_200_000}
    dashboard.rescore_runs.runs += [run, {**run, "run_id": "r2", "member_id": a, "state": "running",
                                          "started_at": 1_780_000_300_000},
                                    {**run, "run_id": "r3", "member_id": b}]
    response = await dashboard.get("/app/api/rescore-runs", dashboard.session(a))
    body = await response.json()
    assert [(r["run_id"], r["scope"], r["state"]) for r in body["runs"]] == [
        ("r2", "portal", "running"), ("r1", "all_portals", "done")]  # never another portal's run
    assert body["runs"][1]["calls_rescored"] == 9 and body["runs"][1]["since"].startswith("2026-")
    assert (await dashboard.get("/app/api/rescore-runs", dashboard.session(a, is_admin=False))).status == 403
