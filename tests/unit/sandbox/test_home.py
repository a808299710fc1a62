"""The sandbox portal's pages for a person: the home page lists deals and places a call (a sample
or an upload) that plays like any other; the deal card shows its fields and frames the AICA tab the
app bound, through the same placement host page Bitrix24's card would be."""
from __future__ import annotations

import asyncio
import html
import re
from urllib.parse import parse_qs, urlparse

import aiohttp

from sandbox.home import seed_crm

WAV = b"RIFF" + bytes(1000)


async def place(sandbox, deal_id: int, **fields) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("deal_id", str(deal_id))
    for name, value in fields.items():
        if isinstance(value, bytes):
            form.add_field(name, value, filename="mine.wav", content_type="audio/wav")
        else:
            form.add_field(name, value)
    return await sandbox.http.post("/_sandbox/home/calls", data=form, allow_redirects=False)


async def test_home_lists_deals_and_places_an_uploaded_recording_against_one(sandbox):
    state = sandbox.state
    seed_crm(state)
    page = await (await sandbox.http.get("/")).text()
    deal_id, deal = next(iter(state.deals.items()))
    assert page.count('action="/_sandbox/home/calls"') == 3 and html.escape(deal["TITLE"]) in page
    assert "not installed" in page
    response = await place(sandbox, deal_id, recording=WAV)
    assert response.status == 303
    activity_id = int(parse_qs(urlparse(response.headers["Location"]).query)["placed"][0])
    activity = state.activities[activity_id]
    assert {(b["OWNER_TYPE_ID"], b["OWNER_ID"]) for b in activity["BINDINGS"]} == {
        ("3", str(deal["CONTACT_ID"])), ("2", str(deal_id))}
    assert activity["COMMUNICATIONS"][0]["VALUE"] == state.contacts[int(deal["CONTACT_ID"])]["PHONE"][0]["VALUE"]
    for _ in range(60):  # the recording follows after a second, like a real call's
        if activity.get("FILES"):
            break
        await asyncio.sleep(0.05)
    assert state.files[activity["FILES"][0]["id"]].body == WAV
    page = await (await sandbox.http.get(f"/?placed={activity_id}")).text()
    assert f"Call #{activity_id} placed" in page and f"#{activity_id}" in page and "recording attached" in page


async def test_a_sample_call_uses_the_samples_line_and_a_form_without_audio_is_refused(sandbox, tmp_path):
    state = sandbox.state
    seed_crm(state)
    audio = tmp_path / "refund.wav"
    audio.write_bytes(WAV)
    state.samples = {"refund": {"title": "Billing refund", "path": str(audio), "line": "reg9",
                                "direction": "incoming"}}
    deal_id = next(iter(state.deals))
    assert "Billing refund</option>" in await (await sandbox.http.get("/")).text()
    response = await place(sandbox, deal_id, sample="refund")
    activity_id = int(parse_qs(urlparse(response.headers["Location"]).query)["placed"][0])
    assert state.statistics[activity_id]["PORTAL_NUMBER"] == "reg9"
    assert (await place(sandbox, deal_id, sample="nope")).status == 400
    assert (await place(sandbox, 999999, sample="refund")).status == 400


async def test_the_deal_card_frames_the_bound_tab_and_shows_the_ai_fields(sandbox):
    state = sandbox.state
    seed_crm(state)
    deal_id = next(iter(state.deals))
    card = await (await sandbox.http.get(f"/_sandbox/deal/{deal_id}")).text()
    assert "has not bound one" in card and "<iframe" not in card
    state.placements.append({"placement": "CRM_DEAL_DETAIL_TAB", "handler": "https://aica.example/app/placement"})
    state.deals[deal_id]["UF_CRM_AICA_QUALITY"] = "81"
    card = await (await sandbox.http.get(f"/_sandbox/deal/{deal_id}")).text()
    src = html.unescape(re.search(r'<iframe id="tab" title="Call analytics" src="([^"]+)"', card).group(1))
    query = parse_qs(urlparse(src).query)
    assert urlparse(src).path == "/_sandbox/placement"
    assert (query["handler"], query["placement"], query["id"]) == (
        ["https://aica.example/app/placement"], ["CRM_DEAL_DETAIL_TAB"], [str(deal_id)])
    assert "<th>UF_CRM_AICA_QUALITY</th><td>81</td>" in card
    # The host page it frames posts the placement form to that handler.
    host = await (await sandbox.http.get(src)).text()
    assert 'action="https://aica.example/app/placement?' in host and 'name="AUTH_ID"' in host
    assert (await sandbox.http.get("/_sandbox/deal/999999")).status == 404
