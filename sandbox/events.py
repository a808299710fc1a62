"""Outgoing event delivery as the Bitrix24 queue server does it (§1): one form-urlencoded POST
(`http_build_query` keys), no retries; the handler's status is recorded."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bitrix.forms import flatten
from sandbox.calls import attach_recording
from sandbox.state import SandboxState

DELIVERY_TIMEOUT_S = 10.0


def event_payload(state: SandboxState, event: str, activity_id: int, with_user_token: bool) -> dict[str, Any]:
    """The nested shape (documented key order) before form flattening."""
    return {"event": event, "event_handler_id": str(state.event_handler_id),
            "data": {"FIELDS": {"ID": str(activity_id)}}, "ts": str(int(time.time())),
            "auth": state.event_auth(with_user_token)}


def webhook_auth(state: SandboxState, application_token: str) -> dict[str, str]:
    """An outbound webhook's `auth[...]`: no tokens, its own application_token (§1.2)."""
    return {"domain": state.domain, "client_endpoint": state.client_endpoint,
            "server_endpoint": state.server_endpoint, "member_id": state.member_id,
            "application_token": application_token}


async def post_event(http: aiohttp.ClientSession, url: str, form: list[tuple[str, str]], record: dict[str, Any]) -> None:
    try:
        async with http.post(url, data=form, timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_S)) as response:
            record["status"] = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        # Bitrix24 logs the failure and does not resend (§1.1).
        record["error"] = type(exc).__name__


async def deliver(http: aiohttp.ClientSession, state: SandboxState, event: str, activity_id: int,
                  with_user_token: bool) -> None:
    """To the app's handler (unless only outbound webhooks are configured), then to each outbound
    webhook subscribed to the event; one record each in state.events."""
    payload = event_payload(state, event, activity_id, with_user_token)
    if state.event_handler_url or not state.outbound_webhooks:
        record: dict[str, Any] = {"event": event, "activity_id": activity_id, "status": None,
                                  "error": None, "at": time.time()}
        state.events.append(record)
        if not state.event_handler_url:
            record["error"] = "no event handler configured"
        else:
            await post_event(http, state.event_handler_url, flatten(payload), record)
    for hook in state.outbound_webhooks:
        if event.upper() in hook["events"]:
            record = {"event": event, "activity_id": activity_id, "status": None, "error": None,
                      "at": time.time(), "via": "outbound_webhook"}
            state.events.append(record)
            form = flatten(payload | {"auth": webhook_auth(state, hook["application_token"])})
            await post_event(http, hook["handler"], form, record)


async def play_call(http: aiohttp.ClientSession, state: SandboxState, activity_id: int,
                    recording: tuple[str, str, bytes] | None, record_delay_s: float,
                    send_events: bool) -> None:
    """ADD now; the recording (name, content type, bytes) and its UPDATE after the delay."""
    if send_events:
        await deliver(http, state, "ONCRMACTIVITYADD", activity_id, with_user_token=True)
    if recording is None:
        return
    await asyncio.sleep(record_delay_s)
    attach_recording(state, activity_id, *recording)
    if send_events:
        # The recording is attached by the system, not a user: no access_token (§1.2).
        await deliver(http, state, "ONCRMACTIVITYUPDATE", activity_id, with_user_token=False)
