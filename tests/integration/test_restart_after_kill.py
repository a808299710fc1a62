"""After an unclean stop the dead worker's group membership lingers until its session lapses.
A new worker is 'ready' only once it owns partitions itself, and the install that follows
succeeds (before: the group looked stable with the dead member in it, the token request sat on
its partition, and the install answered 500 TOKEN_AGENT_TIMEOUT)."""
from __future__ import annotations

import asyncio

import pytest
from confluent_kafka.admin import AdminClient

from aica.embedded import EmbeddedStack
from streams.app import worker_client_id
from streams.kafka_clients import kafka_config

pytestmark = [pytest.mark.integration]
STAGES = "ingest,tokens,retry,parked"


def members(settings) -> list[tuple[str, int]]:
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    [description] = [f.result() for f in admin.describe_consumer_groups([settings.consumer_group]).values()]
    return [(m.client_id, len(m.assignment.topic_partitions)) for m in description.members]


async def test_a_worker_restarted_after_sigkill_owns_its_partitions_before_the_install(pipeline_settings):
    settings = pipeline_settings.model_copy(update={"token_request_timeout_s": 5.0})
    stack = await EmbeddedStack(settings, worker_stages=STAGES, manage_broker=False).start()
    try:
        dead = stack.worker.pid
        assert await asyncio.to_thread(stack.stop_worker, True) == -9
        assert [cid for cid, _ in await asyncio.to_thread(members, settings)] == [worker_client_id(dead)]

        stack.start_worker()
        await stack.wait_worker_ready()
        group = await asyncio.to_thread(members, settings)
        assert worker_client_id(stack.worker.pid) in dict(group) and dict(group)[worker_client_id(stack.worker.pid)] > 0
        assert worker_client_id(dead) not in dict(group)

        body = await stack.install_app(attempts=1)  # at once, no second chance
        assert body["status"] == "installed"
    finally:
        await stack.stop()
