"""A placed call as the product sees it: ONCRMACTIVITYADD, then the recording and
ONCRMACTIVITYUPDATE, each one form-urlencoded POST in Bitrix24's bracket format."""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from bitrix.forms import unflatten


@pytest.fixture
async def handler(aiohttp_server, sandbox):
    """A real event handler that records what it receives (and whether the activity had FILES
    at that moment); answers 200 or what it is told."""
    received: list[dict] = []
    answer = {"status": 200}

    async def receive(request: web.Request) -> web.Response:
        raw = (await request.read()).decode()
        form = unflatten(parse_qsl(raw, keep_blank_values=True))
        activity = sandbox.state.activities.get(int(form["data"]["FIELDS"]["ID"]), {})
        received.append({"content_type": request.content_type, "raw": raw, "form": form,
                         "had_files": "FILES" in activity})
        return web.Response(status=answer["status"])

    app = web.Application()
    app.router.add_post("/b24/events", receive)
    server = await aiohttp_server(app)
    return str(server.make_url("/b24/events")), received, answer


async def _wait_for(predicate, timeout_s=10.0):
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_call_sends_add_then_update_after_recording(sandbox, handler, tmp_path):
    url, received, _ = handler
    state = sandbox.state
    await sandbox.control("config", {"event_handler_url": url})
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"RIFF....WAVEfmt fake")
    placed = await sandbox.control("calls", {"audio_path": str(audio), "record_delay_s": 0.2})
    await _wait_for(lambda: len(received) == 2)
    assert [r["had_files"] for r in received] == [False, True]

    add, update = (r["form"] for r in received)
    assert all(r["content_type"] == "application/x-www-form-urlencoded" for r in received)
    assert received[0]["raw"].startswith("event=ONCRMACTIVITYADD&event_handler_id=")
    assert "data%5BFIELDS%5D%5BID%5D=" in received[0]["raw"]
    assert add["event"] == "ONCRMACTIVITYADD" and update["event"] == "ONCRMACTIVITYUPDATE"
    assert add["data"] == update["data"] == {"FIELDS": {"ID": str(placed["activity_id"])}}
    assert add["ts"].isdigit()
    for auth in (add["auth"], update["auth"]):
        assert auth["member_id"] == state.member_id
        assert auth["application_token"] == state.application_token
        assert auth["client_endpoint"] == state.client_endpoint
        assert auth["server_endpoint"] == state.server_endpoint
        assert auth["domain"] == state.domain and auth["status"] == "L"
    assert state.token_status(add["auth"]["access_token"]) == "ok"
    assert "access_token" not in update["auth"]  # the system attached the recording
    assert state.activities[placed["activity_id"]]["FILES"]
    assert [(e["event"], e["status"]) for e in state.events] == [
        ("ONCRMACTIVITYADD", 200), ("ONCRMACTIVITYUPDATE", 200)]


async def test_handler_failures_are_recorded_not_retried(sandbox, handler):
    url, received, answer = handler
    answer["status"] = 503
    await sandbox.control("config", {"event_handler_url": url})
    await sandbox.control("calls", {"audio_b64": "UklGRg==", "record_delay_s": 0.0})
    await _wait_for(lambda: len(sandbox.state.events) == 2 and sandbox.state.events[-1]["status"])
    assert [e["status"] for e in sandbox.state.events] == [503, 503]
    assert len(received) == 2


async def test_unreachable_handler_is_recorded(sandbox, unused_tcp_port):
    await sandbox.control("config", {"event_handler_url": f"http://127.0.0.1:{unused_tcp_port}/x"})
    await sandbox.control("calls", {})
    await _wait_for(lambda: sandbox.state.events and sandbox.state.events[0]["error"])
    assert sandbox.state.events[0]["status"] is None


async def test_no_events_when_asked(sandbox, handler):
    url, received, _ = handler
    await sandbox.control("config", {"event_handler_url": url})
    placed = await sandbox.control("calls", {"audio_b64": "UklGRg==", "record_delay_s": 0.0,
                                             "send_events": False})
    await _wait_for(lambda: "FILES" in sandbox.state.activities[placed["activity_id"]])
    assert received == [] and sandbox.state.events == []


async def test_an_outbound_webhook_gets_its_own_token_and_no_user_tokens(sandbox, handler):
    url, received, _ = handler
    token = (await sandbox.control("outbound-webhooks", {"handler_url": url, "events": ["ONCRMACTIVITYADD"]}))[
        "application_token"]
    placed = await sandbox.control("calls", {"audio_b64": "UklGRg==", "record_delay_s": 0.05})
    await _wait_for(lambda: len(sandbox.state.events) == 1 and sandbox.state.events[0]["status"] == 200)
    await asyncio.sleep(0.2)  # the UPDATE is not subscribed: nothing more arrives
    [event] = received
    assert event["form"]["event"] == "ONCRMACTIVITYADD"
    assert event["form"]["data"]["FIELDS"]["ID"] == str(placed["activity_id"])
    assert event["form"]["auth"] == {"domain": sandbox.state.domain, "client_endpoint": sandbox.state.client_endpoint,
                                     "server_endpoint": sandbox.state.server_endpoint,
                                     "member_id": sandbox.state.member_id, "application_token": token}
    assert token != sandbox.state.application_token and sandbox.state.events[0]["via"] == "outbound_webhook"
