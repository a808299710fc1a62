"""`aica status`: what the deployment is doing now, read from the broker only: is it up, are the
topics there, how far behind each consumer group is per topic, which portals are installed and
in what state, and the last dead letters with their reasons."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.kafka_clients import kafka_config
from streams.settings import Settings
from streams.topics import all_topic_names

TIMEOUT_S = 5.0


@dataclass
class Status:
    broker: str  # "up (n brokers)" or the reason it is not
    reachable: bool
    missing_topics: list[str] = field(default_factory=list)
    present_topics: int = 0
    lag: dict[str, dict[str, int]] = field(default_factory=dict)  # group -> topic -> messages behind
    portals: list[tuple[str, str, str]] = field(default_factory=list)  # member_id, domain, status
    last_errors: list[dict] = field(default_factory=list)


def consumer_lag(admin: AdminClient, groups: list[str], timeout_s: float = TIMEOUT_S) -> dict[str, dict[str, int]]:
    """Per group and topic: end offsets minus the group's committed offsets, over the partitions
    the group has committed on."""
    lag: dict[str, dict[str, int]] = {}
    for group in groups:
        committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                      request_timeout=timeout_s)[group].result()
        tps = [tp for tp in committed.topic_partitions if tp.offset >= 0]
        if not tps:
            continue
        ends = admin.list_offsets({TopicPartition(tp.topic, tp.partition): OffsetSpec.latest() for tp in tps},
                                  request_timeout=timeout_s)
        end = {(tp.topic, tp.partition): fut.result().offset for tp, fut in ends.items()}
        per_topic: dict[str, int] = defaultdict(int)
        for tp in tps:
            per_topic[tp.topic] += max(0, end[(tp.topic, tp.partition)] - tp.offset)
        lag[group] = dict(sorted(per_topic.items()))
    return lag


def our_groups(admin: AdminClient, settings: Settings, timeout_s: float = TIMEOUT_S) -> list[str]:
    """The worker's group and the others AICA runs (rescore runs, ...), not the views' readers."""
    listed = admin.list_consumer_groups(request_timeout=timeout_s).result()
    names = sorted(g.group_id for g in listed.valid)
    return [g for g in names if g == settings.consumer_group
            or (g.startswith(settings.topic_prefix + "aica") and "view" not in g and "reader" not in g)]


def collect(settings: Settings, dead_letters: int = 5) -> Status:
    admin = AdminClient(kafka_config(settings.kafka_bootstrap))
    try:
        metadata = admin.list_topics(timeout=TIMEOUT_S)
    except KafkaException as exc:
        return Status(broker=f"unreachable at {settings.kafka_bootstrap} ({exc.args[0].name()})", reachable=False)
    status = Status(broker=f"up at {settings.kafka_bootstrap} ({len(metadata.brokers)} broker(s))", reachable=True)
    wanted = all_topic_names(settings)
    status.missing_topics = [t for t in wanted if t not in metadata.topics]
    status.present_topics = len(wanted) - len(status.missing_topics)
    status.lag = consumer_lag(admin, our_groups(admin, settings))
    if not status.missing_topics:
        status.portals = portal_states(settings)
        status.last_errors = last_dead_letters(settings, dead_letters)
    return status


def portal_states(settings: Settings) -> list[tuple[str, str, str]]:
    from control.portals import KafkaPortals
    portals = KafkaPortals(settings).start(timeout_s=TIMEOUT_S * 2)
    try:
        return sorted((p.member_id, p.domain, p.status) for p in portals.all())
    finally:
        portals.stop()


def last_dead_letters(settings: Settings, n: int) -> list[dict]:
    from streams.dlq import read_dead_letters
    if not n:
        return []
    letters = read_dead_letters(settings, timeout_s=TIMEOUT_S, newest=n)
    return sorted(letters, key=lambda letter: letter["failed_at"])[-n:]


def render(status: Status) -> list[str]:
    lines = [f"broker   {status.broker}"]
    if not status.reachable:
        return lines
    if status.missing_topics:
        lines.append(f"topics   {status.present_topics} present, MISSING: {', '.join(status.missing_topics)}"
                     " (run `aica topics`)")
    else:
        lines.append(f"topics   all {status.present_topics} present")
    lines.append("lag      " + ("no consumer group has committed yet" if not status.lag else ""))
    for group, topics in status.lag.items():
        for topic, behind in topics.items():
            lines.append(f"  {group:<28} {topic:<36} {behind:>8}")
    lines.append(f"portals  {len(status.portals)}")
    for member_id, domain, state in status.portals:
        lines.append(f"  {member_id:<34} {domain:<40} {state}")
    lines.append(f"last errors  {len(status.last_errors) or 'none'}")
    for letter in status.last_errors:
        lines.append(f"  {letter['failed_at']:%Y-%m-%d %H:%M:%S}  {letter['stage']:<10} "
                     f"{letter['call_id'] or '-':<30} {letter['reason'][:120]}")
    return lines
