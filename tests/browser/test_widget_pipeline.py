"""The deal tab on the real pipeline, in headless Chromium: two sample calls on one deal go through
the sandbox portal, gateway, broker and worker (real models); the sandbox portal's card page then
POSTs the placement form into its iframe and the worker-served dashboard answers (real session
check with the portal, real ClickHouse reads, real audio with Range). Then the scorecard changes,
`aica rescore` judges the same calls again, and the tab shows both versions side by side."""
from __future__ import annotations

import asyncio
import contextlib
import time
import wave

import aiohttp
import pytest
import yaml
from yarl import URL

from agents.rescore import Selection
from aica.demo import crm_updates, wait_until_consumed
from aica.rescore import Rescorer, RescoreRequest
from aica.embedded import EmbeddedStack
from aica.samples import load_samples, render_sample
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog
from streams.offsets import group_lag
from streams.topics import Topic
from tests.browser.widget_page import WEIGHT_BUDGET, active_turn, measure, no_horizontal_overflow, quote_seeks_audio
from tests.conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.models]


async def place_calls_on_one_deal(sandbox_url: str, samples, audio_dir) -> tuple[int, list[int]]:
    """One contact and deal with several calls on them, as a deal's history looks in Bitrix24."""
    async with aiohttp.ClientSession(base_url=sandbox_url) as http:
        async def post(path: str, body: dict) -> dict:
            async with http.post(path, json=body) as resp:
                resp.raise_for_status()
                return await resp.json()
        contact = await post("/_sandbox/contacts", {"NAME": "Demo", "LAST_NAME": "Widget"})
        deal = await post("/_sandbox/deals", {"TITLE": "Widget deal", "CONTACT_ID": contact["id"]})
        activities = []
        for sample in samples:
            path = await asyncio.to_thread(render_sample, sample, audio_dir)
            with contextlib.closing(wave.open(str(path))) as wav:
                duration_s = round(wav.getnframes() / wav.getframerate())
            call = await post("/_sandbox/calls", {
                "audio_path": str(path.resolve()), "file_name": path.name, "line": sample.line,
                "direction": sample.direction, "contact_id": contact["id"], "deal_id": deal["id"],
                "record_delay_s": 0.5, "duration_s": duration_s})
            activities.append(int(call["activity_id"]))
    return int(deal["id"]), activities


async def wait_for_deal_writes(stack, deal_id: int, calls: int, timeout_s: float) -> None:
    """Until every call's analysis reached the deal (one CRM write per call)."""
    deadline = time.monotonic() + timeout_s
    while sum(u["method"] == "crm.deal.update" and int(u["id"]) == deal_id
              for u in await crm_updates(stack.sandbox_url)) < calls:
        assert stack.worker_alive(), "the worker exited; see worker.log in the data directory"
        assert time.monotonic() < deadline, f"the deal did not get {calls} writes in {timeout_s:.0f}s"
        await asyncio.sleep(1.0)


def scorecard_changed(settings, directory):
    """The settings' catalog with support-en at a new version whose resolution weighs more."""
    data = yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())
    card = data["scorecards"]["support-en"]
    card["version"] = str(int(card["version"]) + 1)
    for criterion in card["criteria"]:
        if criterion["id"] == "resolution":
            criterion["weight"] = 3 * criterion.get("weight", 1)
    path = directory / "projects-changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return settings.model_copy(update={"projects_file": path})


async def rescore_all(settings) -> None:
    """`aica rescore` over the whole topic, then until the worker stored its rows."""
    rescorer = Rescorer(settings, RescoreRequest(Selection()))
    try:
        report = await rescorer.run()
    finally:
        rescorer.close()
    assert report.state == "done" and report.rescored >= 1
    deadline = time.monotonic() + 120
    while await asyncio.to_thread(group_lag, settings, settings.consumer_group, settings.topic(Topic.RESCORED)) > 0:
        assert time.monotonic() < deadline, "the ClickHouse sink did not store the rescored calls"
        await asyncio.sleep(1.0)


async def test_deal_tab_on_the_real_pipeline(pipeline_settings, open_tab, artifacts):
    samples = [s for s in load_samples() if s.id in ("good_billing_refund", "poor_internet_outage")]
    settings = pipeline_settings.model_copy(update={"dashboard_port": free_port()})
    stack = await EmbeddedStack(settings, manage_broker=False).start()
    try:
        deal_id, activities = await place_calls_on_one_deal(stack.sandbox_url, samples, settings.data_dir / "samples")
        await wait_for_deal_writes(stack, deal_id, len(activities), timeout_s=600)
        await wait_until_consumed(settings, timeout_s=120)  # the ClickHouse rows the dashboard reads
        await stack.wait_dashboard_ready()

        # The sandbox portal's own card page: at the portal's origin (the one frame-ancestors
        # allows), it POSTs the placement form with a fresh user token into its `app` iframe.
        card = URL(stack.sandbox_url).with_path("/_sandbox/placement").with_query(
            handler=f"{stack.dashboard_url}/placement", placement="CRM_DEAL_DETAIL_TAB", id=deal_id,
            lang="en", width=360)
        page, frame = await open_tab(str(card), frame_name="app")

        rows = frame.locator(".call")
        assert await rows.count() == len(samples)
        assert await frame.locator(".call[data-status=done]").count() == len(samples)
        scores = [int(s) for s in await frame.locator(".call .score").all_inner_texts()]
        assert all(0 <= s <= 100 for s in scores)
        assert await frame.locator(".trend-point").count() >= 1
        assert await no_horizontal_overflow(frame)
        await page.screenshot(path=artifacts / "pipeline-list.png", full_page=True)

        best = scores.index(max(scores))  # the good call: its met criteria come with quotes
        await frame.locator(".call button").nth(best).click()
        await frame.wait_for_selector(".detail .transcript")
        await page.screenshot(path=artifacts / "pipeline-detail.png", full_page=True)
        assert await frame.locator(".turn").count() >= 2
        assert await frame.locator(".criterion").count() >= 1
        quotes = frame.locator("button.quote")
        assert await quotes.count() >= 1
        last = quotes.nth(await quotes.count() - 1)  # the latest quote: its start is most likely > 0
        await quote_seeks_audio(frame, last)
        assert await active_turn(frame) is not None
        await frame.wait_for_function("() => document.querySelector('audio').readyState >= 1")
        duration = await frame.eval_on_selector("audio", "a => a.duration")
        assert duration > 1, "the recording did not load through the session-checked audio URL"
        await page.screenshot(path=artifacts / "pipeline-detail-seeked.png", full_page=True)

        m = await measure(frame, "pipeline")
        assert m["weight_bytes"] < WEIGHT_BUDGET
        assert m["first_contentful_paint_ms"] is not None
        await page.close()

        # The scorecard changes and history is judged again: both versions side by side.
        old = load_catalog(settings).scorecard("support-en").ref
        changed = scorecard_changed(settings, settings.data_dir)
        new = load_catalog(changed).scorecard("support-en").ref
        await rescore_all(changed)
        page, frame = await open_tab(str(card), frame_name="app")
        await frame.wait_for_selector(".trend-legend")
        assert sorted(await frame.locator(".trend-legend li").all_inner_texts()) == sorted([old, new])
        assert await frame.locator(".trend-line").count() == 2
        await frame.locator(".call button").first.click()
        await frame.wait_for_selector(".detail .version-select")
        options = await frame.locator(".version-select option").evaluate_all("os => os.map(o => o.value)")
        assert sorted(options) == sorted([old, new])
        shown = await frame.locator(".version-select").input_value()
        other = old if shown == new else new
        await frame.select_option(".version-select", other)
        await frame.wait_for_function(
            "v => document.querySelector('.version-select') && document.querySelector('.version-select').value === v", arg=other)
        assert await frame.locator(".criterion").count() >= 1
        await page.screenshot(path=artifacts / "pipeline-versions.png", full_page=True)
    finally:
        await stack.stop()
