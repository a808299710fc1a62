"""A call that cannot be processed is dead-lettered with its reason (never silently acked), and
lands in ClickHouse's dead_letters table for the delivery-status view; a good call next to it is
unaffected."""
from __future__ import annotations

import asyncio
import base64
import subprocess
import tempfile
from pathlib import Path

import aiohttp
import pytest

from aica.demo import place_calls, wait_for_crm, wait_until_consumed
from aica.embedded import EmbeddedStack
from aica.samples import load_samples
from warehouse.connection import connect
from warehouse.read_model import call_rows, dead_letter_rows
from streams.topics import Topic

pytestmark = [pytest.mark.integration, pytest.mark.models]


def long_recording(seconds: int) -> bytes:
    """Quiet noise as FLAC: a few hundred KB however long (the cap is on time, not bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.flac"
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds),
                        "whitenoise", "vol", "0.003"], check=True)
        return path.read_bytes()


async def test_unreadable_recording_is_dead_lettered_with_reason(pipeline_settings):
    # The samples are shorter than 3 min; the too-long recording is 4 min.
    settings = pipeline_settings.model_copy(update={"max_recording_s": 180.0})
    stack = await EmbeddedStack(settings, manage_broker=False).start()
    try:
        async with aiohttp.ClientSession(base_url=stack.sandbox_url) as http:
            contact = await (await http.post("/_sandbox/contacts", json={"NAME": "Broken"})).json()
            resp = await http.post("/_sandbox/calls", json={
                "audio_b64": base64.b64encode(b"RIFF\x00\x00\x00\x00WAVEnot really audio").decode(),
                "file_name": "broken.wav", "line": "74951234567", "direction": "incoming",
                "contact_id": contact["id"], "duration_s": 30, "record_delay_s": 0.2})
            broken = await resp.json()
            resp = await http.post("/_sandbox/calls", json={
                "audio_b64": base64.b64encode(long_recording(240)).decode(),
                "file_name": "long.flac", "line": "74951234567", "direction": "incoming",
                "contact_id": contact["id"], "duration_s": 240, "record_delay_s": 0.2})
            too_long = await resp.json()
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
    [letter] = [row for row in letters if row["call_id"].endswith(f".{too_long['activity_id']}")]
    assert letter["stage"] == "transcribe"
    assert "recording too long: its header says 0:04:00, over the 0:03:00 limit" in letter["reason"]
    assert [int(r["activity_id"]) for r in calls] == [good[0].activity_id]
    assert all(int(u["id"]) != contact["id"] for u in updates)  # nothing written for the broken call
