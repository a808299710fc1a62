"""The parked-message forwarder (`aica.parked.v1`, keyed by member_id). A stage parks a message
whose portal needs re-authorization (streams.stage, exceptions with park=True). Once an admin opens
the app again (a new AUTH_ID makes the portal active), each parked message goes back, unchanged, to
the topic it came from; until then it is re-parked at the end of the topic and looked at again
after `park_recheck_s`. A portal uninstalled meanwhile has its parked messages dead-lettered."""
from __future__ import annotations

import asyncio
import logging
from typing import Literal

import faust

from agents.retry import seconds_until_due
from bitrix.portals import Portal, PortalDirectory
from schemas import registry
from streams.batching import manual_acks
from streams.settings import Settings
from streams.spec import ANY_TOPIC, StageSpec
from streams.stage import Consumed, Reject, StageRunner, consumed_from, now_ms
from streams.topics import Topic

log = logging.getLogger(__name__)
Verdict = Literal["forward", "wait", "drop"]


def verdict(portal: Portal | None) -> Verdict:
    if portal is None or portal.status == "uninstalled":
        return "drop"
    return "forward" if portal.status == "active" else "wait"


def reparked(envelope: dict, now: int, recheck_s: float) -> dict:
    """The same envelope, due again after the recheck delay."""
    return {**envelope, "due_at": now + int(recheck_s * 1000)}


async def handle_parked(runner: StageRunner, settings: Settings, portals: PortalDirectory,
                        message: Consumed) -> None:
    try:
        envelope = registry.decode("aica.RetryEnvelope", message.value)
    except registry.SchemaError as exc:
        await runner.dead_letter(message, exc, {})
        return
    # Due order is FIFO on this topic (every re-park waits the same delay), so sleeping on the
    # head never holds back a message that is already due for long.
    await asyncio.sleep(seconds_until_due(envelope, now_ms()))
    member_id = (message.key or b"").decode()
    portal = portals.get(member_id)
    outcome = verdict(portal)
    if outcome == "forward":
        log.info("parked: portal %s is active again; resuming a %s message", member_id, envelope["stage"])
        await runner.send_back(envelope)
    elif outcome == "drop":
        await runner.dead_letter(Consumed(envelope["target_topic"], envelope["key"], envelope["value"],
                                          envelope["attempt"]),
                                 Reject(f"portal {member_id} was uninstalled while its messages were parked"),
                                 {"member_id": member_id})
    else:
        await runner.send(message.topic, message.key,
                          registry.encode("aica.RetryEnvelope",
                                          reparked(envelope, now_ms(), settings.park_recheck_s)))


SPEC = StageSpec("parked", "agents.parked", {Topic.PARKED: "aica.RetryEnvelope"}, writes=(ANY_TOPIC,))


def register(app: faust.App, settings: Settings, portals: PortalDirectory) -> None:
    runner = StageRunner(app, settings, SPEC)

    @app.agent(runner.source(), name="parked")
    async def forward(stream: faust.StreamT) -> None:
        manual_acks(stream)
        async for event in stream.events():
            await handle_parked(runner, settings, portals, consumed_from(event))
            await stream.ack(event)
