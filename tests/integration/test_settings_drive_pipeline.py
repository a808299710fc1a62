"""Settings changed through the dashboard (served by the worker, opened the way Bitrix24 opens a
card tab) change what the pipeline does with the next call: its line is routed to the newly
mapped project, a disabled CRM field is no longer written and a renamed one is written under its
new name. Real broker, real worker, real models, real sandbox portal."""
from __future__ import annotations

import asyncio
import dataclasses
import re

import aiohttp
import pytest
import yaml

from aica.demo import clickhouse_rows, place_calls, wait_for_crm, wait_until_consumed
from aica.embedded import EmbeddedStack
from catalog.projects import DEFAULT_PROJECTS_FILE
from aica.samples import load_samples
from sandbox.frames import issue_user_token, placement_form
from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.models]
LINE = "reg555"
RENAMED = "UF_CRM_SALES_Q"


def projects_file(tmp_path):
    """The built-in catalog plus a second project, sales-en, that no line maps to yet."""
    data = yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())
    data["projects"]["sales-en"] = {**data["projects"]["support-en"], "lines": []}
    path = tmp_path / "projects.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


async def open_tab(stack, http, entity_type: str, entity_id: int) -> str:
    """POST the placement form as Bitrix24 does for the admin (user 1); returns the session."""
    placement = {"contact": "CRM_CONTACT_DETAIL_TAB", "deal": "CRM_DEAL_DETAIL_TAB"}[entity_type]
    form = placement_form(stack.sandbox_state, placement, entity_id, issue_user_token(stack.sandbox_state, 1))
    async with http.post(f"{stack.dashboard_url}/placement?LANG=en", data=form) as response:
        page = await response.text()
        assert response.status == 200, page
    return re.search(r'data-session="([^"]+)"', page).group(1)


def fields_written(updates, kind: str, entity_id: int) -> dict:
    [update] = [u for u in updates if u["method"] == f"crm.{kind}.update" and int(u["id"]) == entity_id]
    return update["fields"]


async def test_settings_route_the_next_call_and_rename_and_disable_fields(pipeline_settings, tmp_path):
    settings = pipeline_settings.model_copy(update={"dashboard_port": free_port(),
                                                    "projects_file": projects_file(tmp_path)})
    sample = dataclasses.replace(load_samples()[0], line=LINE)
    stack = await EmbeddedStack(settings, manage_broker=False).start()
    try:
        await stack.wait_dashboard_ready()
        async with aiohttp.ClientSession() as http:
            # Before: the line is unmapped, so the default project and its field names apply.
            [before] = await place_calls(stack.sandbox_url, [sample], settings.data_dir / "samples")
            updates = await wait_for_crm(stack.sandbox_url, [before], 600, stack.worker_alive)
            old = fields_written(updates, "contact", before.contact_id)
            assert {"UF_CRM_AICA_QUALITY", "UF_CRM_AICA_SUMMARY"} <= set(old) and RENAMED not in old

            # The admin maps the line to sales-en, renames its quality field, disables its summary.
            session = await open_tab(stack, http, "contact", before.contact_id)
            auth = {"Authorization": f"Bearer {session}"}
            async with http.get(f"{stack.dashboard_url}/api/settings", headers=auth) as response:
                current = await response.json()
            projects = current["projects"]
            projects["sales-en"] |= {"lines": [LINE], "crm_fields": {
                **projects["sales-en"]["crm_fields"], "quality": {"enabled": True, "name": RENAMED},
                "summary": {"enabled": False, "name": "UF_CRM_AICA_SUMMARY"}}}
            body = {"projects": projects, "default_project": current["default_project"]}
            async with http.put(f"{stack.dashboard_url}/api/settings", json=body, headers=auth) as response:
                stored = await response.json()
                assert response.status == 200, stored
            assert f"contact.{RENAMED}" in stored["fields_created"]

            # After: the next call on that line goes to sales-en and its fields as configured.
            [after] = await place_calls(stack.sandbox_url, [sample], settings.data_dir / "samples")
            updates = await wait_for_crm(stack.sandbox_url, [before, after], 600, stack.worker_alive)
            for kind, entity_id in (("contact", after.contact_id), ("deal", after.deal_id)):
                new = fields_written(updates, kind, entity_id)
                assert RENAMED in new and "UF_CRM_AICA_QUALITY" not in new
                assert "UF_CRM_AICA_SUMMARY" not in new  # disabled
                assert "UF_CRM_AICA_COMPLY" in new  # untouched fields keep their names

            # The card of the second call's contact shows it, analysed, with transcript and audio.
            await wait_until_consumed(settings, timeout_s=120)
            session = await open_tab(stack, http, "contact", after.contact_id)
            auth = {"Authorization": f"Bearer {session}"}
            calls = await _eventually(http, f"{stack.dashboard_url}/api/calls", auth,
                                      lambda b: b["calls"] and b["calls"][0]["status"] == "done")
            [call] = calls["calls"]
            assert call["activity_id"] == after.activity_id and call["score"] == float(new[RENAMED])
            detail = await _eventually(http, f"{stack.dashboard_url}/api/calls/{call['call_id']}", auth,
                                       lambda b: b["transcript"])
            assert detail["criteria"] and detail["audio_url"]
            origin = stack.dashboard_url.rsplit("/app", 1)[0]
            async with http.get(origin + detail["audio_url"], headers={"Range": "bytes=0-99"}) as audio:
                assert audio.status == 206 and len(await audio.read()) == 100
        await asyncio.to_thread(stack.stop_worker)  # chdb is single-process: let the worker go first
        rows = {int(r["activity_id"]): r for r in clickhouse_rows(settings, stack.sandbox_state.member_id)}
        assert rows[before.activity_id]["project"] == "support-en"
        assert rows[after.activity_id]["project"] == "sales-en"
    finally:
        await stack.stop()


async def _eventually(http, url: str, headers: dict, ready, timeout_s: float = 60.0) -> dict:
    """The ClickHouse sink writes in batches: poll the API until the rows are there."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        async with http.get(url, headers=headers) as response:
            body = await response.json()
            if response.status == 200 and ready(body):
                return body
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.5)
