"""A call that cannot be processed is dead-lettered with its reason (never silently acked), and
lands in ClickHouse's dead_letters table for the delivery-status view; a good call next to it is
unaffected."""
from __future__ import annotations

import asyncio
import base64

import aiohttp
import pytest

from aica.demo import place_calls, wait_for_crm, wait_until_consumed
from aica.embedded import EmbeddedStack
from aica.samples import load_samples
from warehouse.connection import connect
from warehouse.read_model import call_rows, dead_letter_rows
from streams.topics import Topic

pytestmark = [pytest.mark.integration, pytest.mark.models]


async def test_unreadable_recording_is_dead_lettered_with_reason(pipeline_settings):
    settings = pipeline_settings
    stack = await EmbeddedStack(settings, manage_broker=False).start()
    try:
        async with aiohttp.ClientSession(base_url=stack.sandbox_url) as http:
            contact = await (await http.post("/_sandbox/contacts", json={"NAME": "Broken"})).json()
            resp = await http.post("/_sandbox/calls", json={
                "audio_b64": base64.b64encode(b"RIFF\x00\x00\x00\x00WAVEnot really audio").decode(),
                "file_name": "broken.wav", "line": "74951234567", "direction": "incoming",
                "contact_id": contact["id"], "duration_s": 30, "record_delay_s": 0.2})
            broken = await resp.json()
        good = await place_calls(stack.sandbox_url, load_samples()[:1], settings.data_dir / "samples")
        await wait_for_crm(stack.sandbox_url, good, timeout_s=300, worker_alive=stack.worker_alive)
        await wait_until_consumed(settings, timeout_s=60)
        deadline = asyncio.get_running_loop().time() + 60
        from streams.offsets import group_lag
        while await asyncio.to_thread(group_lag, settings, settings.consumer_group,
                                      settings.topic(Topic.DEADLETTER)) > 0:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.5)
        await asyncio.to_thread(stack.stop_worker)
        client = connect(settings)
        letters = dead_letter_rows(client, stack.sandbox_state.member_id)
        calls = call_rows(client, stack.sandbox_state.member_id)
        client.close()
        updates = stack.sandbox_state.updates
    finally:
        await stack.stop()

    [letter] = [row for row in letters if row["call_id"].endswith(f".{broken['activity_id']}")]
    assert letter["stage"] == "transcribe"
    assert "unreadable recording" in letter["reason"]
    assert [int(r["activity_id"]) for r in calls] == [good[0].activity_id]
    assert all(int(u["id"]) != contact["id"] for u in updates)  # nothing written for the broken call
