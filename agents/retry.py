"""Delay-tier forwarders: hold each parked message until it is due, then put it back on the topic
it came from with its attempt count in a header. Every message in a tier waits the same delay, so
waiting for the head of the queue never delays a message that is already due."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import faust

from schemas import registry
from streams.batching import manual_acks
from streams.stage import StageRunner, consumed_from, now_ms
from streams.settings import Settings
from streams.spec import ANY_TOPIC, StageSpec
from streams.topics import RETRY_TIERS, retry_tier_topic


def seconds_until_due(envelope: dict, now: int) -> float:
    due = envelope["due_at"]
    due_ms = int(due.timestamp() * 1000) if hasattr(due, "timestamp") else int(due)
    return max(0.0, (due_ms - now) / 1000)


# One forwarder per delay tier topic (streams.topics.retry_tier_topic); each sends a held message
# back to the topic it came from.
SPEC = StageSpec("retry", "agents.retry", {RETRY_TIERS: "aica.RetryEnvelope"}, writes=(ANY_TOPIC,))


def register(app: faust.App, settings: Settings) -> None:
    for tier in range(len(settings.retry_delays_s)):
        _register_tier(app, settings, tier)


def _register_tier(app: faust.App, settings: Settings, tier: int) -> None:
    runner = StageRunner(app, settings, replace(SPEC, name=f"retry-t{tier}"))
    source = app.topic(retry_tier_topic(settings, tier))

    @app.agent(source, name=f"retry-t{tier}")
    async def forward(stream: faust.StreamT) -> None:
        manual_acks(stream)
        async for event in stream.events():
            try:
                envelope = registry.decode("aica.RetryEnvelope", event.value)
            except registry.SchemaError as exc:
                await runner.dead_letter(consumed_from(event), exc, {})
                await stream.ack(event)
                continue
            await asyncio.sleep(seconds_until_due(envelope, now_ms()))
            await runner.send_back(envelope)
            await stream.ack(event)
