"""Scored calls published straight to calls.scored.v1 (ASR skipped), for the CRM-sink tests."""
from __future__ import annotations

from confluent_kafka import Producer

from catalog.projects import load_catalog
from sandbox.crm import create_entity
from schemas import registry
from streams.stage import now_ms
from streams.topics import Topic
from streams.kafka_clients import kafka_config


def call_score(settings, state, activity_id: int, contact_id: int, deal_id: int, score: int) -> dict:
    """A valid aica.CallScore, as the score stage would publish it (ASR skipped)."""
    member_id = state.member_id
    project = load_catalog(settings).resolve(member_id, None)
    return {
        "context": {"call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": state.domain,
                    "activity_id": activity_id, "project": project.name, "language": project.language,
                    "line": None, "direction": "incoming", "responsible_id": 1, "started_at": None,
                    "duration_s": 60.0, "versions": {},
                    "bindings": [{"entity_type": "contact", "entity_id": contact_id},
                                 {"entity_type": "deal", "entity_id": deal_id}]},
        "scorecard": "default@1", "score": score, "outcome": "good", "compliance": "pass",
        "summary": f"Call {activity_id} went fine.", "improvements": ["Confirm the next step"],
        "criteria": [], "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 5.0, "segments": 8},
        "scored_at": now_ms(),
    }


def publish_scores(settings, state, n: int, first_activity: int = 1000,
                   score_of=lambda i: 50 + i % 50) -> set[tuple[str, int]]:
    """n scored calls for the portal, each bound to its own new contact and deal; returns the
    (kind, id) of every entity that must be written."""
    producer = Producer(kafka_config(settings.kafka_bootstrap, **{"acks": "all",
                         "partitioner": "murmur2_random", "linger.ms": 20}))
    wanted = set()
    for i in range(n):
        contact = create_entity(state, "contact", {"NAME": f"c{i}"})
        deal = create_entity(state, "deal", {"TITLE": f"d{i}", "CONTACT_ID": contact})
        record = call_score(settings, state, first_activity + i, contact, deal, score_of(i))
        producer.produce(settings.topic(Topic.SCORED), key=state.member_id.encode(),
                         value=registry.encode("aica.CallScore", record))
        wanted |= {("contact", contact), ("deal", deal)}
    assert producer.flush(30) == 0
    return wanted
