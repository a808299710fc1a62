"""The card widget in headless Chromium, loaded the way Bitrix24 loads a CRM detail tab: a host
page at the portal's origin POSTs the placement form into an iframe.

These run the widget against a small server that answers the API contract with fixed data (every
status, a Russian portal, a stale session, evidence without a position) in seconds;
test_widget_pipeline.py runs it against the real dashboard backend with calls analysed end to end."""
from __future__ import annotations

import pytest

from tests.browser.widget_page import WEIGHT_BUDGET, active_turn, measure, no_horizontal_overflow, quote_seeks_audio

pytestmark = [pytest.mark.browser]


async def test_list_detail_quote_seek_and_trend(contract_api, open_tab, artifacts):
    page, frame = await open_tab(contract_api.card_url())

    rows = frame.locator(".call")
    assert await rows.count() == 4
    assert await frame.locator(".call[data-status=done] .score").inner_text() == "86"
    assert await frame.locator(".call[data-status=failed] .reason").inner_text() == "recording could not be downloaded"
    assert await frame.locator(".call[data-status=skipped] .reason").inner_text() == "call shorter than 5 s"
    assert await frame.locator(".call[data-status=processing] .badge").inner_text() == "Processing"
    assert await frame.locator(".call button").count() == 1  # only analysed calls open
    assert await frame.locator(".trend-point").count() == 3
    assert await no_horizontal_overflow(frame)
    await page.screenshot(path=artifacts / "contract-list-360.png", full_page=True)

    await frame.locator(".call[data-status=done] button").click()
    await frame.wait_for_selector(".detail .transcript")
    assert await frame.locator(".turn").count() == 3
    assert await frame.locator(".criterion").count() == 3
    assert await frame.locator(".turn").nth(2).locator(".turn-speaker").count() == 0  # "unknown" is not shown
    assert await frame.locator("p.quote").inner_text() == "no position known"  # shown, but nothing to seek
    # transcript text is shown as text, never parsed as markup
    assert await frame.locator(".turn").nth(1).locator(".turn-text").inner_text() == "My bill was charged <b>twice</b>."
    start = await quote_seeks_audio(frame, frame.locator(".criterion[data-criterion=resolution] .quote"))
    assert start == 12.5 and await active_turn(frame) == 2
    await frame.locator(".turn-seek").nth(1).click()
    assert 4.2 <= await frame.eval_on_selector("audio", "a => a.currentTime") < 6.2
    assert await active_turn(frame) == 1
    await frame.locator(".turn-seek").first.click()
    assert await quote_seeks_audio(frame, frame.locator(".criterion[data-criterion=verification] button.quote")) == 4.2
    assert await active_turn(frame) == 1  # a quote without a start seeks to its segment
    assert await no_horizontal_overflow(frame)
    await page.screenshot(path=artifacts / "contract-detail-360.png", full_page=True)

    m = await measure(frame, "contract")
    assert m["weight_bytes"] < WEIGHT_BUDGET
    assert m["first_contentful_paint_ms"] is not None
    assert {"/app/api/calls?limit=50", "/app/api/trend?days=90", "/app/api/calls/c-1"} <= set(contract_api.requests)


async def test_follows_the_portal_language(contract_api, open_tab, artifacts):
    page, frame = await open_tab(contract_api.card_url(lang="ru"), width=800)
    assert await frame.locator("#calls-title").inner_text() == "Последние звонки"
    assert await frame.locator(".call[data-status=done] .badge").inner_text() == "Проанализирован"
    assert await frame.evaluate("document.documentElement.lang") == "ru"
    assert await no_horizontal_overflow(frame)  # the longer Russian badges still fit
    await page.screenshot(path=artifacts / "contract-list-ru-800.png", full_page=True)


async def test_keyboard_only(contract_api, open_tab):
    page, frame = await open_tab(contract_api.card_url())
    await frame.locator(".call button").focus()
    await page.keyboard.press("Enter")
    await frame.wait_for_selector(".detail .transcript")
    assert await frame.evaluate("document.activeElement.classList.contains('detail-title')")
    await page.keyboard.press("Tab")  # the first control after the title is the audio player
    await frame.locator(".quote").first.focus()
    await page.keyboard.press("Enter")
    assert await active_turn(frame) == 0
    await page.keyboard.press("Escape")
    assert await frame.locator(".list-view").is_visible()
    assert await frame.evaluate("document.activeElement.classList.contains('call-open')")


async def test_stale_session_says_so(contract_api, open_tab):
    page, frame = await open_tab(contract_api.card_url())
    contract_api.session = "rotated"  # the server no longer accepts the page's session
    await frame.locator(".call button").click()
    alert = frame.locator("[role=alert]")
    await alert.wait_for()
    assert "expired" in await alert.inner_text()
    assert await alert.locator("button").count() == 0  # retrying cannot help; reopening the tab does


async def test_two_scorecard_versions_side_by_side(contract_api, open_tab, artifacts):
    """After `aica rescore`: a trend line per scorecard version, and a call's verdicts under either."""
    old = contract_api.details["c-1"]
    versions = [{"scorecard": "support-en@2", "score": 41, "outcome": "poor", "scored_at": "2026-06-01T09:00:00+00:00"},
                *old["scorecards"]]
    new = {**old, "scorecard": "support-en@2", "score": 41, "outcome": "poor", "scorecards": versions,
           "criteria": [{**old["criteria"][1], "label": "Resolves the issue, with a date"}]}
    contract_api.details["c-1"] = new
    contract_api.versions["c-1"] = {"support-en@2": new, "support-en@1": {**old, "scorecards": versions}}
    contract_api.series = [{"scorecard": "support-en@2", "points": [{**p, "avg_score": p["avg_score"] - 20}
                                                                   for p in contract_api.trend]},
                           {"scorecard": "support-en@1", "points": contract_api.trend}]
    page, frame = await open_tab(contract_api.card_url())

    assert await frame.locator(".trend-line").count() == 2
    assert await frame.locator(".trend-legend li").all_inner_texts() == ["support-en@2", "support-en@1"]

    await frame.locator(".call[data-status=done] button").click()
    await frame.wait_for_selector(".detail .version-select")
    assert await frame.locator(".detail-meta .score").inner_text() == "41"
    assert await frame.locator(".criterion-label").all_inner_texts() == ["Resolves the issue, with a date"]
    await page.screenshot(path=artifacts / "versions-new-360.png", full_page=True)

    await frame.select_option(".version-select", "support-en@1")
    await frame.wait_for_selector(".detail .criterion[data-criterion=greeting]")
    assert await frame.locator(".detail-meta .score").inner_text() == "86"
    assert await frame.locator(".version-select").input_value() == "support-en@1"
    assert "/app/api/calls/c-1?scorecard=support-en%401" in contract_api.requests
    await page.screenshot(path=artifacts / "versions-old-360.png", full_page=True)


async def test_admins_see_the_rescore_runs(contract_api, open_tab, artifacts):
    """The runs `aica rescore` recorded (GET /rescore-runs): range, versions, counts and state."""
    run = {"run_id": "9f2c", "scope": "portal", "project": None, "write_crm": False,
           "since": "2026-04-01T00:00:00+00:00", "until": "2026-05-01T00:00:00+00:00",
           "scorecards": ["support-en@2", "support-ru@1"], "calls_read": 1200, "calls_rescored": 1180,
           "state": "done", "started_at": "2026-05-04T10:00:00+00:00", "updated_at": "2026-05-04T10:02:00+00:00"}
    contract_api.rescore_runs = [{**run, "run_id": "a17b", "until": None, "state": "running", "calls_read": 300,
                                  "calls_rescored": 290}, run]
    page, frame = await open_tab(contract_api.card_url())
    await frame.wait_for_selector(".rescore-run")
    rows = frame.locator(".rescore-run")
    assert [await rows.nth(i).get_attribute("data-state") for i in range(2)] == ["running", "done"]
    done = frame.locator(".rescore-run[data-run-id='9f2c']")
    assert await done.locator(".run-versions").inner_text() == "support-en@2, support-ru@1"
    assert await done.locator(".run-counts").inner_text() == "1180 of 1200 calls rescored"
    assert await done.locator(".run-state").inner_text() == "Done"
    assert await done.locator(".run-range").inner_text() == "4/1/26 – 5/1/26"
    assert await frame.locator(".rescore-run[data-run-id='a17b'] .run-range").inner_text() == "4/1/26 – …"
    assert await no_horizontal_overflow(frame)
    await page.screenshot(path=artifacts / "rescore-runs-360.png", full_page=True)


async def test_no_rescore_runs_section_for_other_users(contract_api, open_tab):
    page, frame = await open_tab(contract_api.card_url())  # rescore-runs answers 403
    await frame.wait_for_selector("#aica[data-ready]")
    assert "/app/api/rescore-runs" in contract_api.requests
    assert await frame.locator(".rescores").count() == 0
