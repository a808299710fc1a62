"""Consumer-group lag, for knowing when a stage has caught up (demo, tests, readiness)."""
from __future__ import annotations

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.settings import Settings
from streams.kafka_clients import kafka_config


def group_lag(settings: Settings, group: str, topic: str, timeout_s: float = 10.0) -> int:
    """Messages on `topic` not yet committed by `group` (uncommitted partitions count fully)."""
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    partitions = admin.list_topics(topic, timeout=timeout_s).topics[topic].partitions
    tps = [TopicPartition(topic, p) for p in partitions]
    ends = admin.list_offsets({tp: OffsetSpec.latest() for tp in tps}, request_timeout=timeout_s)
    end = {tp.partition: fut.result().offset for tp, fut in ends.items()}
    committed_req = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, tps)],
                                                     request_timeout=timeout_s)
    committed = {tp.partition: max(tp.offset, 0)
                 for tp in committed_req[group].result().topic_partitions}
    return sum(max(0, end[p] - committed.get(p, 0)) for p in end)


def group_is_stable(settings: Settings, group: str, timeout_s: float = 10.0,
                    client_id: str | None = None) -> bool:
    """True once the group has members with partitions assigned (the worker is consuming);
    with `client_id`, once that member has its partitions: a group left stable by a worker that
    died keeps it until its session lapses, and only a rebalance that includes the new worker
    (and so evicts the dead one) proves the new one owns partitions."""
    from confluent_kafka import ConsumerGroupState
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    try:
        [description] = [f.result() for f in admin.describe_consumer_groups([group],
                                                                            request_timeout=timeout_s).values()]
    except Exception:  # the group does not exist yet
        return False
    return description.state == ConsumerGroupState.STABLE and any(
        m.assignment.topic_partitions for m in description.members
        if client_id is None or m.client_id == client_id)


def committed_offsets(settings: Settings, group: str, topic: str, partitions: list[int],
                      timeout_s: float = 10.0) -> dict[int, int]:
    """The group's committed offset per partition (-1 where it committed none)."""
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    request = [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in partitions])]
    result = admin.list_consumer_group_offsets(request, request_timeout=timeout_s)[group].result()
    return {tp.partition: tp.offset for tp in result.topic_partitions}
