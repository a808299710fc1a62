"""The broker's view of a consumer group, for the scale-out tests."""
from __future__ import annotations

import asyncio
import time

from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient

from streams.kafka_clients import kafka_config


def group_assignments(settings) -> list[dict[str, set[int]]]:
    """Each member's partitions per topic, from the broker's view of the consumer group."""
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    [future] = admin.describe_consumer_groups([settings.consumer_group], request_timeout=10).values()
    try:
        group = future.result()
    except KafkaException:  # e.g. timed out on a busy machine: asked again by the caller
        return []
    if group.state != ConsumerGroupState.STABLE:
        return []
    members = []
    for member in group.members:
        topics: dict[str, set[int]] = {}
        for tp in member.assignment.topic_partitions:
            topics.setdefault(tp.topic, set()).add(tp.partition)
        members.append(topics)
    return members


async def wait_for_members(settings, n: int, timeout_s: float = 120) -> list[dict[str, set[int]]]:
    deadline = time.monotonic() + timeout_s
    while True:
        members = await asyncio.to_thread(group_assignments, settings)
        if len(members) == n and all(members):
            return members
        assert time.monotonic() < deadline, f"group did not settle on {n} members: {members}"
        await asyncio.sleep(1)
