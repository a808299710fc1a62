"""The LLM engine in the real pipeline: the worker talks to an OpenAI-compatible server (the local
stand-in) through the real `openai` client, recovers from its 500s, and never sends it personal
data."""
from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web

from aica.demo import clickhouse_rows, place_calls, wait_for_crm, wait_until_consumed
from aica.embedded import EmbeddedStack
from aica.samples import find_leaks, load_samples
from sandbox.llm import LlmServerState, create_llm_app

pytestmark = [pytest.mark.integration, pytest.mark.models]


async def test_llm_engine_sees_only_redacted_text(pipeline_settings):
    llm_state = LlmServerState(fail_next=1)  # the first completion fails: retried, not lost
    runner = web.AppRunner(create_llm_app(llm_state))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    llm_url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    settings = pipeline_settings.model_copy(update={"analyzer": "llm", "llm_base_url": llm_url,
                                                    "llm_timeout_s": 20.0})
    samples = load_samples()[:2]
    try:
        stack = await EmbeddedStack(settings, manage_broker=False).start()
        try:
            calls = await place_calls(stack.sandbox_url, samples, settings.data_dir / "samples")
            await wait_for_crm(stack.sandbox_url, calls, timeout_s=400, worker_alive=stack.worker_alive)
            await wait_until_consumed(settings, timeout_s=60)
            await asyncio.to_thread(stack.stop_worker)
            rows = clickhouse_rows(settings, stack.sandbox_state.member_id)
        finally:
            await stack.stop()
    finally:
        await runner.cleanup()

    assert len(rows) == 2
    assert all(r["versions"]["analyzer"].startswith("llm") and r["versions"]["prompt"] for r in rows)
    sent = json.dumps(llm_state.requests)
    assert len(llm_state.requests) >= 3  # two calls + the failed first attempt
    planted = [p for s in samples for p in s.planted_pii]
    assert not find_leaks(planted, sent)
    assert "<PERSON>" in sent or "<PHONE_NUMBER>" in sent or "<DIGIT_RUN>" in sent
